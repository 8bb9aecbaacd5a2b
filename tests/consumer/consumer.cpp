// SPDX-License-Identifier: MIT
// A program outside the project that uses the library as a user would: a
// listener and a client on loopback, one loop until the client connected.
//
// The packaging tests build it against each kind of package (find_package,
// FetchContent, add_subdirectory, pkg-config; static and shared; with and
// without exceptions) and can pass what they expect of it:
//   ASYNCORE_EXPECT_VERSION_MAJOR/_MINOR/_PATCH  the package's version
//                                  (<asyncore/version.hpp> must agree)
//   ASYNCORE_EXPECT_SHARED         0 or 1 (build_config.hpp must agree)
// With ASYNCORE_CONSUMER_NO_MAIN it only defines run_consumer() (the plugin
// test links it into a shared object).
#include <asyncore/asyncore.hpp>

#include <cstdio>

#if defined(ASYNCORE_EXPECT_VERSION_MAJOR)
static_assert(ASYNCORE_VERSION_MAJOR == ASYNCORE_EXPECT_VERSION_MAJOR &&
                  ASYNCORE_VERSION_MINOR == ASYNCORE_EXPECT_VERSION_MINOR &&
                  ASYNCORE_VERSION_PATCH == ASYNCORE_EXPECT_VERSION_PATCH,
              "<asyncore/version.hpp> does not match the package's version");
#endif
#if defined(ASYNCORE_EXPECT_SHARED)
static_assert(ASYNCORE_SHARED == ASYNCORE_EXPECT_SHARED,
              "build_config.hpp does not record the kind of library (static/shared) the package has");
#endif

namespace {
bool g_accepted = false;

class listener : public asyncore::dispatcher {
 public:
  explicit listener(asyncore::socket_map* m) : dispatcher(m) {}
  void handle_accepted(asyncore::socket, const asyncore::address&) override { g_accepted = true; }
};

class client : public asyncore::dispatcher {
 public:
  explicit client(asyncore::socket_map* m) : dispatcher(m) {}
  bool readable() override { return false; }
  bool writable() override { return connecting; }
  void handle_connect() override {}
};
}  // namespace

int run_consumer() {
  asyncore::socket_map map;
  std::error_code ec;
  listener l(&map);
  l.create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
  if (!ec) l.bind(asyncore::address("127.0.0.1", 0), ec);
  if (!ec) l.listen(5, ec);
  asyncore::address a = l.socket().getsockname(ec);
  client c(&map);
  if (!ec) c.create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
  if (!ec) c.connect(a, ec);
  for (int i = 0; i < 200 && !ec && !g_accepted; ++i) asyncore::loop(0.05, asyncore::backend::select, &map, 1, ec);
  std::printf("consumer: %s (asyncore %s, %s library, %s)\n",
              g_accepted && !ec ? "ok" : ec ? ec.message().c_str() : "not accepted", ASYNCORE_VERSION_STRING,
              ASYNCORE_SHARED ? "shared" : "static",
              ASYNCORE_HAS_EXCEPTIONS ? "exceptions" : "no exceptions");
  return g_accepted && !ec ? 0 : 1;
}

#ifndef ASYNCORE_CONSUMER_NO_MAIN
int main() { return run_consumer(); }
#endif
