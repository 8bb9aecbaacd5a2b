// SPDX-License-Identifier: MIT
// The soak load (issue 15): connect, send, read the echo, half-close, read
// the end of stream, close; `cycles` times with `inflight` connections at
// once, against an echo server on 127.0.0.1:PORT. Plain POSIX sockets and
// poll(), so the load owes nothing to the library under test.
//
//     soak_client PORT [CYCLES [INFLIGHT [BYTES]]]
//
// Every byte of every echo is checked, and every connection must end with
// the server's end of stream (a reset or a short echo is a failure). Prints
// one line: "soak: N cycles, M in flight, B bytes each: ok in S s (R/s)"
// and exits 0, or names the first failure and exits 1. Bounded: a
// connection that makes no progress for 10 s fails the run.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

enum class phase { connecting, sending, reading, draining };

struct conn {
  int fd = -1;
  phase ph = phase::connecting;
  std::size_t sent = 0, got = 0;
  unsigned seed = 0;
  clock_type::time_point last;
};

[[noreturn]] void fail(const char* what, long cycle, int err) {
  std::fprintf(stderr, "soak: FAIL at cycle %ld: %s%s%s\n", cycle, what, err ? ": " : "", err ? std::strerror(err) : "");
  std::exit(1);
}

char byte_at(unsigned seed, std::size_t i) { return static_cast<char>((seed * 131u + i * 7u) & 0xff); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: soak_client PORT [CYCLES [INFLIGHT [BYTES]]]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const long cycles = argc > 2 ? std::atol(argv[2]) : 100000;
  const std::size_t inflight = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 200;
  const std::size_t bytes = argc > 4 ? static_cast<std::size_t>(std::atol(argv[4])) : 100;
  if (port <= 0 || port > 65535 || cycles <= 0 || inflight == 0 || bytes == 0) {
    std::fprintf(stderr, "soak_client: bad arguments\n");
    return 2;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  std::vector<conn> conns(inflight);
  std::vector<pollfd> fds(inflight);
  long started = 0, finished = 0;
  std::string out(bytes, '\0');
  char buf[65536];
  const auto t0 = clock_type::now();

  auto start = [&](conn& c) {
    c = conn{};
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) fail("socket", started, errno);
    c.seed = static_cast<unsigned>(started);
    c.last = clock_type::now();
    ++started;
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
      c.ph = phase::sending;
    } else if (errno != EINPROGRESS) {
      fail("connect", started, errno);
    }
  };
  auto finish = [&](conn& c) {
    ::close(c.fd);
    c.fd = -1;
    ++finished;
    if (started < cycles) start(c);
  };

  for (conn& c : conns)
    if (started < cycles) start(c);

  while (finished < cycles) {
    for (std::size_t i = 0; i < inflight; ++i) {
      conn& c = conns[i];
      fds[i].fd = c.fd;
      fds[i].revents = 0;
      fds[i].events = (c.ph == phase::connecting || c.ph == phase::sending) ? POLLOUT : POLLIN;
    }
    const int rc = ::poll(fds.data(), fds.size(), 1000);
    if (rc < 0 && errno != EINTR) fail("poll", finished, errno);
    const auto now = clock_type::now();
    for (std::size_t i = 0; i < inflight; ++i) {
      conn& c = conns[i];
      if (c.fd < 0) continue;
      if (fds[i].revents == 0) {
        if (now - c.last > std::chrono::seconds(10)) fail("no progress for 10 s", finished, 0);
        continue;
      }
      c.last = now;
      if (c.ph == phase::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) fail("connect", finished, err);
        c.ph = phase::sending;
      }
      if (c.ph == phase::sending) {
        for (std::size_t k = c.sent; k < bytes; ++k) out[k] = byte_at(c.seed, k);
        const ssize_t n = ::send(c.fd, out.data() + c.sent, bytes - c.sent, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno != EAGAIN) fail("send", finished, errno);
          continue;
        }
        c.sent += static_cast<std::size_t>(n);
        if (c.sent == bytes) {
          ::shutdown(c.fd, SHUT_WR);  // the server echoes the rest, then closes
          c.ph = phase::reading;
        }
        continue;
      }
      for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n < 0) {
          if (errno == EAGAIN) break;
          fail("recv", finished, errno);
        }
        if (n == 0) {
          if (c.got != bytes) fail("end of stream before the whole echo", finished, 0);
          finish(c);
          break;
        }
        for (ssize_t k = 0; k < n; ++k)
          if (c.got + static_cast<std::size_t>(k) >= bytes || buf[k] != byte_at(c.seed, c.got + static_cast<std::size_t>(k)))
            fail("echo differs from what was sent", finished, 0);
        c.got += static_cast<std::size_t>(n);
      }
    }
  }
  const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("soak: %ld cycles, %zu in flight, %zu bytes each: ok in %.1f s (%.0f/s)\n", cycles, inflight, bytes, s,
              cycles / s);
  return 0;
}
