// SPDX-License-Identifier: MIT
// Test support shared by the conformance suite (CPython's test_asyncore rig,
// TA:445-520, in C++): the backend x family parameters, bound addresses on
// loopback port 0, and a loop that waits for a flag with a time bound.
//
// Parameters are the same on every platform so test names match everywhere;
// a backend or family the platform lacks is skipped at run time (GTEST_SKIP
// says why), never compiled out.
#ifndef ASYNCORE_TESTS_SUPPORT_HPP
#define ASYNCORE_TESTS_SUPPORT_HPP

#include <asyncore/asyncore.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace asyncore_test {

using asyncore::address;
using asyncore::backend;
using asyncore::family;

struct param {
  backend be;
  family fam;
};

inline const char* family_name(family f) {
  switch (f) {
    case family::inet:
      return "ipv4";
    case family::inet6:
      return "ipv6";
    case family::local:
      return "unix";
    default:
      return "unspec";
  }
}

/// Readable names for test parameters, used by every INSTANTIATE_TEST_SUITE_P
/// (GoogleTest would otherwise print "2-byte object <00-01>"): a backend as
/// "poll", a family as "ipv4", a param as "ipv4_poll", a tuple as its
/// elements joined by '_'. Add an overload here for a new parameter type.
inline std::string readable(backend b) { return asyncore::backend_name(b); }
inline std::string readable(family f) { return family_name(f); }
inline std::string readable(const param& p) { return readable(p.fam) + "_" + readable(p.be); }
template <class... T>
std::string readable(const std::tuple<T...>& t) {
  std::string out;
  std::apply([&out](const auto&... e) { ((out += (out.empty() ? "" : "_") + readable(e)), ...); }, t);
  return out;
}

/// How GoogleTest prints a parameter in its messages ("where GetParam() =
/// ipv4_poll"), found by argument-dependent lookup.
inline void PrintTo(const param& p, std::ostream* os) { *os << readable(p); }

/// The name generator: INSTANTIATE_TEST_SUITE_P(prefix, Suite, values, param_name).
struct param_name_t {
  template <class P>
  std::string operator()(const testing::TestParamInfo<P>& info) const {
    return readable(info.param);
  }
};
inline constexpr param_name_t param_name{};

/// Every backend x family (the CPython matrix plus epoll).
inline std::vector<param> all_params() {
  std::vector<param> v;
  for (family f : {family::inet, family::inet6, family::local})
    for (backend b : {backend::select, backend::poll, backend::epoll}) v.push_back({b, f});
  return v;
}

/// Every backend over IPv4 and IPv6 (cases that need TCP).
inline std::vector<param> inet_params() {
  std::vector<param> v;
  for (family f : {family::inet, family::inet6})
    for (backend b : {backend::select, backend::poll, backend::epoll}) v.push_back({b, f});
  return v;
}

/// Every backend over IPv4 (cases where the family does not matter).
inline std::vector<param> backend_params() {
  std::vector<param> v;
  for (backend b : {backend::select, backend::poll, backend::epoll}) v.push_back({b, family::inet});
  return v;
}

/// Skips the current test when the platform lacks the parameter's backend
/// or family. Use as: ASYNCORE_SKIP_UNSUPPORTED(GetParam());
#define ASYNCORE_SKIP_UNSUPPORTED(p)                                                             \
  do {                                                                                           \
    if (!asyncore::has_backend((p).be))                                                          \
      GTEST_SKIP() << "backend " << asyncore::backend_name((p).be) << " not on this platform";   \
    if ((p).fam == asyncore::family::inet6 && !asyncore::platform_capabilities().ipv6)           \
      GTEST_SKIP() << "no IPv6 on this machine";                                                 \
    if ((p).fam == asyncore::family::local && !asyncore::platform_capabilities().local)          \
      GTEST_SKIP() << "no AF_UNIX on this platform";                                             \
  } while (0)

/// Skips a case that calls the stack from a second thread (a loop or a
/// socket call there): lwIP's raw API (NO_SYS=1, platform "lwip-raw") has
/// exactly one thread into the stack, the loop's. Posting to a loop from
/// another thread (call_soon_threadsafe, request_exit) is not such a call.
#define ASYNCORE_SKIP_IF_SINGLE_THREADED_STACK()                                                 \
  do {                                                                                           \
    if (std::string(asyncore::platform_capabilities().platform) == "lwip-raw")                   \
      GTEST_SKIP() << "lwIP's raw API (NO_SYS=1) has one thread into the stack: this case runs " \
                      "a loop or socket calls on a second thread";                               \
  } while (0)

/// A fresh address to bind: loopback port 0, or a new AF_UNIX path.
inline address bind_address(family f) {
  if (f == family::local) {
    static std::atomic<int> counter{0};
    // Unique per process: ctest runs cases in parallel processes, and a clock
    // reading alone once gave two of them the same path (EADDRINUSE). The
    // counter's address differs between processes where addresses are
    // randomised (not std::random_device: a bare-metal build has no entropy).
    static const long long stamp =
        static_cast<long long>(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007) ^
        static_cast<long long>((reinterpret_cast<std::uintptr_t>(&counter) >> 4) << 30);
    char path[96];
    std::snprintf(path, sizeof path, "/tmp/asyncore-test-%lld-%d.sock", stamp, ++counter);
    std::remove(path);
    return address::local(path);
  }
  return address::loopback(f, 0);
}

/// Removes an AF_UNIX socket file (no-op for IP addresses).
inline void unlink_address(const address& a) {
  if (a.is_local() && !a.path().empty() && a.path()[0] != '\0') std::remove(std::string(a.path()).c_str());
}

/// Runs one-iteration loops (timeout 10 ms) until `done()` or `seconds`
/// pass (CPython's loop_waiting_for_flag, without its sleeps).
inline bool loop_until(const std::function<bool()>& done, asyncore::socket_map& map, backend b,
                       double seconds = 5.0) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::error_code ec;
    asyncore::poll_once(0.01, b, &map, ec);
    if (ec) {
      ADD_FAILURE() << "loop failed: " << ec.message();
      return false;
    }
  }
  return true;
}

/// CPython's BaseTestHandler: any handler a test did not expect is a failure.
class base_test_handler : public asyncore::dispatcher {
 public:
  explicit base_test_handler(asyncore::socket_map* map) : dispatcher(map) {}
  base_test_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : dispatcher(std::move(sock), map, ec) {}
  bool flag = false;
  void handle_accept() override { ADD_FAILURE() << "handle_accept not supposed to be called"; }
  void handle_accepted(asyncore::socket, const address&) override {
    ADD_FAILURE() << "handle_accepted not supposed to be called";
  }
  void handle_connect() override { ADD_FAILURE() << "handle_connect not supposed to be called"; }
  void handle_expt() override { ADD_FAILURE() << "handle_expt not supposed to be called"; }
  void handle_close() override { ADD_FAILURE() << "handle_close not supposed to be called"; }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "handle_error: " << c.what;
    close();
  }
  std::string_view type_name() const override { return "base_test_handler"; }
};

/// CPython's BaseServer: binds, listens and builds a handler per connection.
class base_server : public asyncore::dispatcher {
 public:
  using factory = std::function<void(asyncore::socket, asyncore::socket_map*)>;
  base_server(asyncore::socket_map* map, const address& a, factory make = nullptr)
      : dispatcher(map), make_(std::move(make)) {
    std::error_code ec;
    create_socket(a.get_family(), asyncore::socket_type::stream, ec);
    EXPECT_FALSE(ec) << ec.message();
    if (!a.is_local()) set_reuse_addr();
    bind(a, ec);
    EXPECT_FALSE(ec) << ec.message();
    listen(5, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  ~base_server() override { unlink_address(addr); }
  /// The address clients connect to (the real port).
  address address_() {
    std::error_code ec;
    address a = socket().getsockname(ec);
    if (addr.is_local()) return addr;
    return a;
  }
  void handle_accepted(asyncore::socket sock, const address&) override {
    if (make_) {
      make_(std::move(sock), map());
    } else {
      std::error_code ec;
      asyncore::make_owned<base_test_handler>(std::move(sock), map(), ec);
    }
  }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "server handle_error: " << c.what;
    close();
  }

 private:
  factory make_;
};

/// CPython's BaseClient. CPython connects in __init__; in C++ a virtual call
/// from a constructor reaches the base class's handler (an AF_UNIX connect
/// completes at once and calls handle_connect inside connect()), so the
/// connect happens in start(), after construction.
class base_client : public base_test_handler {
 public:
  base_client(asyncore::socket_map* map, family f, const address& to) : base_test_handler(map), f_(f), to_(to) {}
  void start() {
    std::error_code ec;
    create_socket(f_, asyncore::socket_type::stream, ec);
    EXPECT_FALSE(ec) << ec.message();
    connect(to_, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  void handle_connect() override {}

 private:
  family f_;
  address to_;
};

/// The leak check (tests/support.cpp). A listener registered for the whole
/// suite binary takes a census of the process's open handles before and
/// after every test and fails a test that ends with more than it started
/// with, naming both counts and the new handles. Each platform takes its
/// census in tests/<platform>/handle_census.cpp: POSIX counts descriptors
/// (/proc/self/fd, or fcntl over every descriptor below the limit), Windows
/// counts sockets (Winsock handles probed with getsockopt), lwIP counts the
/// used entries of lwIP's socket table.
struct handle_census {
  const char* what = "handle";        ///< what is counted ("descriptor", "socket")
  std::vector<std::string> handles;   ///< one readable name per open handle
  bool supported = true;              ///< false: this platform cannot count
};
handle_census take_handle_census();
/// The failure the listener reports, or empty when `after` holds no more
/// handles than `before`.
std::string leak_message(const handle_census& before, const handle_census& after);
/// The line the suite binary prints first, before main() runs (ci/windows
/// tells a Wine start-up failure from a test's failure by it).
inline constexpr const char* start_marker = "asyncore_tests: process started";
/// Whether the listener is on (ASYNCORE_TEST_NO_LEAK_CHECK turns it off).
bool leak_check_registered();

/// A map that is emptied at the end of each test (CPython's tearDown
/// close_all(ignore_all=True)).
struct map_guard {
  asyncore::socket_map map;
  ~map_guard() { asyncore::close_all(&map, true); }
};

}  // namespace asyncore_test

// GoogleTest finds a printer for a value in the namespace of its type: the
// library's enums print by name in test messages too (tuples of them, as the
// lwIP suite's parameters, print element by element).
namespace asyncore {
inline void PrintTo(backend b, std::ostream* os) { *os << asyncore_test::readable(b); }
inline void PrintTo(family f, std::ostream* os) { *os << asyncore_test::readable(f); }
}  // namespace asyncore

#endif  // ASYNCORE_TESTS_SUPPORT_HPP
