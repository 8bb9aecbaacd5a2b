// SPDX-License-Identifier: MIT
// The loop's cost per message as idle channels grow (issue 7), in one
// process, without the loopback TCP path that dominates the echo benchmark:
//
//     loop_overhead [--select|--poll|--epoll] [--idle N] [--messages M]
//
// One echo channel (dispatcher_with_send on a socket pair) and N idle
// channels (UDP sockets bound to 127.0.0.1 that never receive anything) in
// one map. Each message: the client end writes 64 bytes, one poll_once(0)
// echoes them, the client reads them back. Prints the process CPU time per
// message (µs). With stable predicates (dispatcher::set_stable_predicates,
// used when the library has it) idle channels should cost nothing per
// iteration on epoll.
#include <asyncore/asyncore.hpp>

#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// Calls d.set_stable_predicates() where the library has it.
template <class T>
auto make_stable(T& d, int) -> decltype(d.set_stable_predicates(true), bool()) {
  d.set_stable_predicates(true);
  return true;
}
template <class T>
bool make_stable(T&, long) {
  return false;
}

double cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

class echo : public asyncore::dispatcher_with_send {
 public:
  echo(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : dispatcher_with_send(std::move(s), m, ec) {}
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  void handle_close() override { close(); }
};

class idle : public asyncore::dispatcher {
 public:
  explicit idle(asyncore::socket_map* m) : dispatcher(m) {}
  bool writable() override { return false; }
  void handle_read() override {}
};

}  // namespace

int main(int argc, char** argv) {
  asyncore::backend be = asyncore::backend::epoll;
  int nidle = 10000;
  long messages = 20000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--select")) be = asyncore::backend::select;
    else if (!std::strcmp(argv[i], "--poll")) be = asyncore::backend::poll;
    else if (!std::strcmp(argv[i], "--epoll")) be = asyncore::backend::epoll;
    else if (!std::strcmp(argv[i], "--idle") && i + 1 < argc) nidle = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc) messages = std::atol(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--select|--poll|--epoll] [--idle N] [--messages M]\n", argv[0]);
      return 2;
    }
  }
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < static_cast<rlim_t>(nidle) + 64) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  asyncore::socket_map map;
  std::error_code ec;
  asyncore::socket a, b;
  if (!asyncore::socket_pair(a, b, ec)) {
    std::fprintf(stderr, "socket_pair: %s\n", ec.message().c_str());
    return 1;
  }
  echo e(std::move(a), &map, ec);
  bool stable = make_stable(e, 0);
  std::vector<std::unique_ptr<idle>> idles;
  for (int i = 0; i < nidle; ++i) {
    auto d = std::make_unique<idle>(&map);
    d->create_socket(asyncore::family::inet, asyncore::socket_type::dgram, ec);
    if (!ec) d->bind(asyncore::address("127.0.0.1", 0), ec);
    if (ec) {
      std::fprintf(stderr, "idle channel %d: %s\n", i, ec.message().c_str());
      return 1;
    }
    make_stable(*d, 0);
    idles.push_back(std::move(d));
  }
  char msg[64];
  std::memset(msg, 'x', sizeof msg);
  char back[256];
  auto one = [&] {
    b.send(msg, sizeof msg, ec);
    std::size_t got = 0;
    while (got < sizeof msg) {
      asyncore::poll_once(0.0, be, &map, ec);
      std::size_t n = b.recv(back, sizeof back, ec);
      got += n;
    }
  };
  for (long i = 0; i < 2000; ++i) one();  // warm up
  const double t0 = cpu_s();
  for (long i = 0; i < messages; ++i) one();
  const double t1 = cpu_s();
  std::printf("backend=%s idle=%d stable=%d us_per_msg=%.3f\n", asyncore::backend_name(be), nidle, stable ? 1 : 0,
              (t1 - t0) * 1e6 / static_cast<double>(messages));
  return 0;
}
