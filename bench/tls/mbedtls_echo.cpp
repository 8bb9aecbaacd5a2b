// SPDX-License-Identifier: MIT
// The TLS echo server as a hand-written non-blocking epoll loop over
// mbedTLS (Debian's libmbedtls-dev, 2.28): one mbedtls_ssl_context per
// connection with mbedtls_ssl_set_bio on its descriptor (mbedtls_net_send /
// mbedtls_net_recv), reads of up to 16 KiB, a write that wants the socket
// retried with the same buffer. The configuration is the library's mbedTLS
// engine's (src/tls/mbedtls_engine.cpp): mbedtls_ssl_config_defaults with
// MBEDTLS_SSL_PRESET_DEFAULT, TLS 1.2 at least, a CTR-DRBG seeded from the
// entropy source, no client verification, no session cache or tickets.
// On the client's close_notify it sends its own and closes.
//
//     tls_mbedtls_echo --cert FILE --key FILE [PORT]
//
// Prints "listening on 127.0.0.1:<port> (mbedtls-raw)", echoes until killed.
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

mbedtls_ssl_config g_conf;

struct conn {
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  bool handshaken = false;
  std::size_t out_len = 0;  // a pending write of buf[0, out_len)
  unsigned events = 0;
  unsigned char buf[16384];
};

void fail(const char* what, int r) {
  char msg[200];
  mbedtls_strerror(r, msg, sizeof msg);
  std::fprintf(stderr, "tls_mbedtls_echo: %s: %s\n", what, msg);
  std::exit(1);
}

void finish(int ep, conn* c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->net.fd, nullptr);
  mbedtls_ssl_free(&c->ssl);
  mbedtls_net_free(&c->net);
  delete c;
}

void want(int ep, conn* c, unsigned ev) {
  if (ev == c->events) return;
  epoll_event e{};
  e.events = ev;
  e.data.ptr = c;
  epoll_ctl(ep, EPOLL_CTL_MOD, c->net.fd, &e);
  c->events = ev;
}

// Advances one connection as far as it goes without blocking.
void pump(int ep, conn* c) {
  if (!c->handshaken) {
    const int r = mbedtls_ssl_handshake(&c->ssl);
    if (r == MBEDTLS_ERR_SSL_WANT_READ) return want(ep, c, EPOLLIN);
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return want(ep, c, EPOLLOUT);
    if (r != 0) return finish(ep, c);
    c->handshaken = true;
  }
  for (;;) {
    if (c->out_len) {
      const int r = mbedtls_ssl_write(&c->ssl, c->buf, c->out_len);  // the same buffer on a retry
      if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return want(ep, c, EPOLLOUT);
      if (r == MBEDTLS_ERR_SSL_WANT_READ) return want(ep, c, EPOLLIN);
      if (r < 0) return finish(ep, c);
      const std::size_t k = static_cast<std::size_t>(r);
      if (k < c->out_len) std::memmove(c->buf, c->buf + k, c->out_len - k);
      c->out_len -= k;
      continue;
    }
    const int r = mbedtls_ssl_read(&c->ssl, c->buf, sizeof c->buf);
    if (r == MBEDTLS_ERR_SSL_WANT_READ) return want(ep, c, EPOLLIN);
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return want(ep, c, EPOLLOUT);
    if (r > 0) {
      c->out_len = static_cast<std::size_t>(r);
      continue;
    }
    if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == 0) mbedtls_ssl_close_notify(&c->ssl);  // one attempt
    return finish(ep, c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string cert, key;
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--cert") && v) {
      cert = argv[++i];
    } else if (!std::strcmp(argv[i], "--key") && v) {
      key = argv[++i];
    } else if (argv[i][0] != '-') {
      port = std::atoi(argv[i]);
    } else {
      std::fprintf(stderr, "usage: tls_mbedtls_echo --cert FILE --key FILE [PORT]\n");
      return 2;
    }
  }
  if (cert.empty() || key.empty()) {
    std::fprintf(stderr, "tls_mbedtls_echo: --cert and --key are needed\n");
    return 2;
  }
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt own;
  mbedtls_pk_context pk;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_x509_crt_init(&own);
  mbedtls_pk_init(&pk);
  mbedtls_ssl_config_init(&g_conf);
  static const char personal[] = "mbedtls-raw";
  int r = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                reinterpret_cast<const unsigned char*>(personal), sizeof personal - 1);
  if (r) fail("random generator", r);
  r = mbedtls_ssl_config_defaults(&g_conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT);
  if (r) fail("configuration", r);
  mbedtls_ssl_conf_rng(&g_conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_min_version(&g_conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);  // TLS 1.2
  if ((r = mbedtls_x509_crt_parse_file(&own, cert.c_str())) != 0) fail("certificate", r);
  if ((r = mbedtls_pk_parse_keyfile(&pk, key.c_str(), nullptr)) != 0) fail("private key", r);
  if ((r = mbedtls_ssl_conf_own_cert(&g_conf, &own, &pk)) != 0) fail("certificate and key", r);
  mbedtls_ssl_conf_authmode(&g_conf, MBEDTLS_SSL_VERIFY_NONE);

  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(lfd, 1024) != 0) {
    std::perror("tls_mbedtls_echo: listen");
    return 1;
  }
  socklen_t len = sizeof sa;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::printf("listening on 127.0.0.1:%u (mbedtls-raw)\n", ntohs(sa.sin_port));
  std::fflush(stdout);

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event le{};
  le.events = EPOLLIN;
  le.data.ptr = nullptr;  // the listener
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le);
  epoll_event evs[256];
  for (;;) {
    const int n = epoll_wait(ep, evs, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("tls_mbedtls_echo: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      conn* c = static_cast<conn*>(evs[i].data.ptr);
      if (c) {
        pump(ep, c);
        continue;
      }
      for (;;) {
        const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        c = new conn;
        mbedtls_net_init(&c->net);
        c->net.fd = fd;
        mbedtls_ssl_init(&c->ssl);
        if (mbedtls_ssl_setup(&c->ssl, &g_conf) != 0) {
          mbedtls_ssl_free(&c->ssl);
          close(fd);
          delete c;
          continue;
        }
        mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv, nullptr);
        c->events = EPOLLIN;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        pump(ep, c);
      }
    }
  }
}
