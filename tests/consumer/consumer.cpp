// A program outside the project that uses the library as a user would: a
// listener and a client on loopback, one loop until the client connected.
#include <asyncore/asyncore.hpp>

#include <cstdio>

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

int main() {
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
  std::printf("consumer: %s\n", g_accepted && !ec ? "ok" : ec ? ec.message().c_str() : "not accepted");
  return g_accepted && !ec ? 0 : 1;
}
