// SPDX-License-Identifier: MIT
// The TLS load client of the benchmark: OpenSSL, one thread, non-blocking
// sockets on epoll. Every connection verifies the server's certificate
// against --ca and the name "localhost" (SNI too), offers no session to
// resume, and ends with close_notify both ways (it sends its own and reads
// until the server's).
//
//     tls_load hs   --port P --ca FILE [--handshakes H] [--conns C]
//         H full handshakes, C at a time, each on a new connection;
//         prints "handshakes=H seconds=... per_second=..."
//     tls_load echo --port P --ca FILE [--conns C] [--messages M] [--size S]
//         C connections complete their handshakes; prints "ready conns=C" and
//         waits for a line on standard input; then each echoes M messages of S
//         bytes one at a time, every byte checked, and closes; prints
//         "messages=... seconds=... per_second=..." (seconds from the line on)
//     tls_load idle --port P --ca FILE [--conns K]
//         K connections complete the handshake and one 1-byte echo, then
//         stay idle: prints "ready idle=K" and waits for a line on standard
//         input, then closes them all and prints "idle=K closed=K".
//     --timeout SECONDS   give up (exit 3) after this long (default 120)
// Exit status: 0 done, 1 a TLS or verification error or a wrong byte, 2 bad
// arguments, 3 the timeout.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

enum class mode { hs, echo, idle };
enum class st { connecting, handshake, hold, write, read, idle, shutdown, drain, done };

struct conn {
  int fd = -1;
  SSL* ssl = nullptr;
  st state = st::connecting;
  unsigned events = 0;
  std::size_t id = 0;
  std::size_t msgs = 0;  // messages echoed
  std::size_t got = 0;   // bytes of the current echo received
};

mode g_mode = mode::echo;
SSL_CTX* g_ctx = nullptr;
int g_ep = -1;
sockaddr_in g_addr{};
std::size_t g_size = 1024, g_messages = 1000;
std::vector<unsigned char> g_pool;  // random bytes the messages are cut from
constexpr std::size_t pool_bytes = 1u << 20;
unsigned char g_scratch[1u << 16];
std::size_t g_live = 0, g_opened = 0, g_idle = 0, g_held = 0, g_handshakes = 0, g_echoed = 0;

[[noreturn]] void die(const std::string& what) {
  std::string e;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    e += std::string("; ") + buf;
  }
  std::fprintf(stderr, "tls_load: %s%s\n", what.c_str(), e.c_str());
  std::exit(1);
}

const unsigned char* message(const conn& c) {
  const std::size_t off = ((c.id * 7919u + c.msgs * 104729u) * 61u) % pool_bytes;
  return g_pool.data() + off;
}

std::size_t msg_size() { return g_mode == mode::idle ? 1 : g_size; }

void want(conn& c, unsigned ev) {
  if (ev == c.events) return;
  epoll_event e{};
  e.events = ev;
  e.data.ptr = &c;
  if (epoll_ctl(g_ep, EPOLL_CTL_MOD, c.fd, &e) != 0) die("epoll_ctl");
  c.events = ev;
}

conn* open_one() {
  conn* c = new conn;
  c->id = g_opened++;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, reinterpret_cast<const sockaddr*>(&g_addr), sizeof g_addr) != 0 && errno != EINPROGRESS)
    die(std::string("connect: ") + std::strerror(errno));
  c->ssl = SSL_new(g_ctx);
  if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) die("SSL_new");
  SSL_set_tlsext_host_name(c->ssl, "localhost");
  if (SSL_set1_host(c->ssl, "localhost") != 1) die("SSL_set1_host");
  SSL_set_connect_state(c->ssl);
  c->events = EPOLLOUT;
  epoll_event e{};
  e.events = EPOLLOUT;
  e.data.ptr = c;
  if (epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &e) != 0) die("epoll_ctl");
  ++g_live;
  return c;
}

// After an SSL call returned r <= 0: wait for what it wants, or fail.
void on_want(conn& c, int r, const char* what) {
  const int e = SSL_get_error(c.ssl, r);
  if (e == SSL_ERROR_WANT_READ) return want(c, EPOLLIN);
  if (e == SSL_ERROR_WANT_WRITE) return want(c, EPOLLOUT);
  const long v = SSL_get_verify_result(c.ssl);
  die(std::string(what) + " failed on connection " + std::to_string(c.id) + " (SSL_get_error " +
      std::to_string(e) + ", errno " + std::strerror(errno) + ")" +
      (v != X509_V_OK ? std::string(", verify: ") + X509_verify_cert_error_string(v) : std::string()));
}

// Advances c as far as it goes; false when it is done (and freed).
bool step(conn& c) {
  for (;;) {
    switch (c.state) {
      case st::connecting: {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) die(std::string("connect: ") + std::strerror(err));
        c.state = st::handshake;
        break;
      }
      case st::handshake: {
        const int r = SSL_connect(c.ssl);
        if (r != 1) return on_want(c, r, "handshake"), true;
        ++g_handshakes;
        c.state = g_mode == mode::hs ? st::shutdown : g_mode == mode::echo ? st::hold : st::write;
        break;
      }
      case st::hold:  // handshaken: waits for the driver's go (no events meanwhile)
        ++g_held;
        want(c, 0);
        return true;
      case st::write: {
        const int r = SSL_write(c.ssl, message(c), static_cast<int>(msg_size()));  // the same buffer on a retry
        if (r <= 0) return on_want(c, r, "write"), true;
        c.got = 0;
        c.state = st::read;
        break;
      }
      case st::read: {
        const std::size_t left = msg_size() - c.got;
        const int r = SSL_read(c.ssl, g_scratch, static_cast<int>(left < sizeof g_scratch ? left : sizeof g_scratch));
        if (r <= 0) return on_want(c, r, "read"), true;
        if (std::memcmp(g_scratch, message(c) + c.got, static_cast<std::size_t>(r)) != 0)
          die("connection " + std::to_string(c.id) + ": the echo differs from what was sent");
        c.got += static_cast<std::size_t>(r);
        if (c.got < msg_size()) break;
        ++c.msgs;
        ++g_echoed;
        if (g_mode == mode::idle) {
          c.state = st::idle;
          ++g_idle;
          want(c, EPOLLIN);  // anything the server sends now is an error
          return true;
        }
        c.state = c.msgs == g_messages ? st::shutdown : st::write;
        break;
      }
      case st::idle:
        die("connection " + std::to_string(c.id) + ": the server sent something on an idle connection");
      case st::shutdown: {
        const int r = SSL_shutdown(c.ssl);
        if (r == 1) {
          c.state = st::done;
        } else if (r == 0) {
          c.state = st::drain;
        } else {
          return on_want(c, r, "shutdown"), true;
        }
        break;
      }
      case st::drain: {
        const int r = SSL_read(c.ssl, g_scratch, sizeof g_scratch);
        if (r > 0) die("connection " + std::to_string(c.id) + ": data after close_notify");
        const int e = SSL_get_error(c.ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN) {
          c.state = st::done;
          break;
        }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {  // EOF without close_notify
          ERR_clear_error();
          die("connection " + std::to_string(c.id) + ": the server closed without close_notify");
        }
        return on_want(c, r, "reading the server's close_notify"), true;
      }
      case st::done:
        epoll_ctl(g_ep, EPOLL_CTL_DEL, c.fd, nullptr);
        SSL_free(c.ssl);
        close(c.fd);
        delete &c;
        --g_live;
        return false;
    }
  }
}

// Runs the loop until `until` holds or the deadline passes.
template <class F, class T>
void run(F until, T deadline) {
  epoll_event evs[256];
  while (!until()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "tls_load: timed out (%zu handshakes, %zu echoes, %zu live)\n", g_handshakes, g_echoed,
                   g_live);
      std::exit(3);
    }
    const int n = epoll_wait(g_ep, evs, 256, 500);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      step(*static_cast<conn*>(evs[i].data.ptr));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tls_load hs|echo|idle --port P --ca FILE [options] (see the source)\n");
    return 2;
  }
  const std::string m = argv[1];
  if (m == "hs") {
    g_mode = mode::hs;
  } else if (m == "echo") {
    g_mode = mode::echo;
  } else if (m == "idle") {
    g_mode = mode::idle;
  } else {
    std::fprintf(stderr, "tls_load: unknown mode '%s'\n", m.c_str());
    return 2;
  }
  int port = 0;
  std::string ca;
  std::size_t conns = g_mode == mode::hs ? 4 : g_mode == mode::idle ? 200 : 20;
  std::size_t handshakes = 500;
  double timeout = 120;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--port") {
      port = std::atoi(v);
    } else if (k == "--ca") {
      ca = v;
    } else if (k == "--conns") {
      conns = std::strtoul(v, nullptr, 10);
    } else if (k == "--handshakes") {
      handshakes = std::strtoul(v, nullptr, 10);
    } else if (k == "--messages") {
      g_messages = std::strtoul(v, nullptr, 10);
    } else if (k == "--size") {
      g_size = std::strtoul(v, nullptr, 10);
    } else if (k == "--timeout") {
      timeout = std::atof(v);
    } else {
      std::fprintf(stderr, "tls_load: unknown option '%s'\n", k.c_str());
      return 2;
    }
  }
  if (port <= 0 || ca.empty() || conns == 0 || g_size == 0 || g_size > 1u << 20 || g_messages == 0) {
    std::fprintf(stderr, "tls_load: --port and --ca are needed; counts and sizes must be positive (size <= 1 MiB)\n");
    return 2;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);

  g_pool.resize(pool_bytes + g_size);
  std::mt19937 rng(13);
  for (auto& b : g_pool) b = static_cast<unsigned char>(rng());
  g_ctx = SSL_CTX_new(TLS_client_method());
  if (!g_ctx) die("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(g_ctx, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF);  // every handshake is a full one
  SSL_CTX_set_verify(g_ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(g_ctx, ca.c_str(), nullptr) != 1) die("loading " + ca);
  g_addr.sin_family = AF_INET;
  g_addr.sin_port = htons(static_cast<std::uint16_t>(port));
  g_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_ep = epoll_create1(EPOLL_CLOEXEC);
  if (g_ep < 0) die("epoll_create1");

  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (g_mode == mode::hs) {
    epoll_event evs[256];
    auto refill = [&] {
      while (g_opened < handshakes && g_live < conns) step(*open_one());  // (one may finish at once)
    };
    refill();
    while (g_live > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "tls_load: timed out after %zu handshakes\n", g_handshakes);
        return 3;
      }
      const int n = epoll_wait(g_ep, evs, 256, 500);
      if (n < 0 && errno != EINTR) die("epoll_wait");
      for (int i = 0; i < n; ++i) step(*static_cast<conn*>(evs[i].data.ptr));
      refill();
    }
    const double s = seconds();
    std::printf("handshakes=%zu seconds=%.4f per_second=%.1f\n", g_handshakes, s, g_handshakes / s);
    return g_handshakes == handshakes ? 0 : 1;
  }
  std::vector<conn*> all;
  for (std::size_t i = 0; i < conns; ++i) all.push_back(open_one());
  for (conn* c : all) step(*c);  // after the last socket exists: a plain list, none done yet
  if (g_mode == mode::echo) {
    run([&] { return g_held == conns; }, deadline);
    std::printf("ready conns=%zu\n", g_held);  // the driver reads the server's CPU time, then says go
    std::fflush(stdout);
    std::string line;
    std::getline(std::cin, line);
    const auto t1 = std::chrono::steady_clock::now();
    for (conn* c : all) {
      c->state = st::write;
      step(*c);
    }
    run([] { return g_live == 0; }, deadline);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::printf("messages=%zu seconds=%.4f per_second=%.1f size=%zu conns=%zu\n", g_echoed, s, g_echoed / s, g_size,
                conns);
    return g_echoed == conns * g_messages ? 0 : 1;
  }
  run([&] { return g_idle == conns; }, deadline);
  std::printf("ready idle=%zu seconds=%.4f\n", g_idle, seconds());
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);  // the driver has read the server's memory
  for (conn* c : all) {
    c->state = st::shutdown;
    step(*c);
  }
  run([] { return g_live == 0; }, deadline);
  std::printf("idle=%zu closed=%zu\n", g_idle, g_idle);
  return 0;
}
