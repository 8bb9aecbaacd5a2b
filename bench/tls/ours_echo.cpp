// SPDX-License-Identifier: MIT
// The TLS echo server of the benchmark, on the library, as a user writes it:
// examples/tls_echo_server's handler (dispatcher_with_send, 16 KiB reads,
// start_tls on every accepted channel) on the epoll backend.
//
//     tls_ours_echo --engine openssl|mbedtls --cert FILE --key FILE [PORT]
//
// Listens on 127.0.0.1:PORT (default 0: a free port), prints
// "listening on 127.0.0.1:<port> (ours, <engine>)", echoes until killed.
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

class echo_handler : public asyncore::dispatcher_with_send {
 public:
  echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), map, ec) {
    set_output_limits(1u << 20, 256u << 10);
  }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  void handle_close() override { close_when_done(); }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "tls_ours_echo: %s\n", cause.what.c_str());
    close();
  }
};

class server : public asyncore::dispatcher {
 public:
  server(asyncore::socket_map* map, asyncore::tls_context& ctx, std::uint16_t port) : dispatcher(map), ctx_(ctx) {
    create_socket(asyncore::family::inet);
    set_reuse_addr();
    bind(asyncore::address("127.0.0.1", port));
    listen(1024);
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    echo_handler* h = asyncore::make_owned<echo_handler>(std::move(sock), map(), ec);
    if (ec) return;
    asyncore::start_tls(*h, ctx_, {}, ec);
    if (ec) {
      std::fprintf(stderr, "tls_ours_echo: start_tls: %s\n", ec.message().c_str());
      h->close();
    }
  }

 private:
  asyncore::tls_context& ctx_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string cert, key;
  asyncore::tls_engine engine = asyncore::tls_engine::automatic;
  std::uint16_t port = 0;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--cert") && v) {
      cert = argv[++i];
    } else if (!std::strcmp(argv[i], "--key") && v) {
      key = argv[++i];
    } else if (!std::strcmp(argv[i], "--engine") && v) {
      ++i;
      if (!std::strcmp(argv[i], "openssl")) {
        engine = asyncore::tls_engine::openssl;
      } else if (!std::strcmp(argv[i], "mbedtls")) {
        engine = asyncore::tls_engine::mbedtls;
      } else {
        std::fprintf(stderr, "tls_ours_echo: unknown engine '%s'\n", argv[i]);
        return 2;
      }
    } else if (argv[i][0] != '-') {
      port = static_cast<std::uint16_t>(std::atoi(argv[i]));
    } else {
      std::fprintf(stderr, "usage: tls_ours_echo --engine openssl|mbedtls --cert FILE --key FILE [PORT]\n");
      return 2;
    }
  }
  if (cert.empty() || key.empty() || !asyncore::tls_available(engine)) {
    std::fprintf(stderr, "tls_ours_echo: --cert, --key and a built --engine are needed\n");
    return 2;
  }
  asyncore::tls_context ctx(asyncore::tls_role::server, engine);
  std::error_code ec;
  ctx.use_certificate_file(cert, key, ec);
  if (!ec) ctx.prepare(ec);
  if (ec) {
    std::fprintf(stderr, "tls_ours_echo: %s (%s)\n", ec.message().c_str(), ctx.error_reason().c_str());
    return 1;
  }
  asyncore::socket_map map;
  server srv(&map, ctx, port);
  std::printf("listening on %s (ours, %s)\n", srv.socket().getsockname().to_string().c_str(),
              asyncore::tls_engine_name(ctx.engine()));
  std::fflush(stdout);
  asyncore::loop(30.0, asyncore::backend::epoll, &map);  // until SIGTERM
  return 0;
}
