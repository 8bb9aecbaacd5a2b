// SPDX-License-Identifier: MIT
// An echo server over TLS: examples/echo_server's handler, unchanged, with
// start_tls() on every accepted connection.
//
//     tls_echo_server [--cert FILE --key FILE] [--engine openssl|mbedtls] PORT
//     tls_echo_server --help
//
// Listens on 127.0.0.1:PORT (0 picks a free port; the line "listening on
// 127.0.0.1:<port>" tells which) and echoes every byte of each client until
// the client closes (close_notify or end of stream); then it sends what is
// left and its own close_notify. The certificate chain and key are PEM
// files (default: server.pem and server.key in the current directory). A
// client whose handshake fails (garbage, a wrong protocol, a timeout of 10
// seconds) is logged on stderr and cut off; the others go on.
//
// Exit status: 0 stopped by SIGTERM/SIGINT; 1 the certificate or key cannot
// be loaded, or the port cannot be listened on; 2 bad arguments.
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include "cli.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

class echo_handler : public asyncore::dispatcher_with_send {
 public:
  echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), map, ec) {
    set_output_limits(1u << 20, 256u << 10);  // back-pressure, as echo_server
  }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  // The client's close_notify (or end of stream): the rest of the echo, then ours.
  void handle_close() override { close_when_done(); }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "tls_echo_server: %s: %s\n", addr.to_string().c_str(), cause.what.c_str());
    close();
  }
  std::string_view type_name() const override { return "tls_echo_handler"; }
};

class tls_echo_server : public asyncore::dispatcher {
 public:
  tls_echo_server(asyncore::socket_map* map, asyncore::tls_context& ctx, std::uint16_t port, std::error_code& ec)
      : dispatcher(map), ctx_(ctx) {
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(asyncore::address("127.0.0.1", port), ec);
    if (!ec) listen(ASYNCORE_LISTEN_BACKLOG, ec);
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    echo_handler* h = asyncore::make_owned<echo_handler>(std::move(sock), map(), ec);
    if (ec) return;
    asyncore::start_tls(*h, ctx_, {}, ec);
    if (ec) {
      std::fprintf(stderr, "tls_echo_server: start_tls: %s\n", asyncore::error_text(ec).c_str());
      h->close();
    }
  }
  std::string_view type_name() const override { return "tls_echo_server"; }

 private:
  asyncore::tls_context& ctx_;
};

const char usage[] =
    "usage: tls_echo_server [--cert FILE --key FILE] [--engine openssl|mbedtls] PORT\n"
    "       tls_echo_server --help\n"
    "\n"
    "Echoes every byte back to each TLS client, on 127.0.0.1:PORT (0 picks a\n"
    "free port and prints it), until the client closes.\n"
    "  --cert FILE, --key FILE   the certificate chain and key, PEM\n"
    "                            (default: server.pem, server.key)\n"
    "  --engine NAME             openssl or mbedtls (default: the first built)\n"
    "  -h, --help                this text\n"
    "Exit status: 0 stopped by a signal; 1 cannot load the certificate or\n"
    "listen; 2 bad arguments.\n";

bool parse_engine(const char* s, asyncore::tls_engine& e) {
  if (!std::strcmp(s, "openssl")) {
    e = asyncore::tls_engine::openssl;
  } else if (!std::strcmp(s, "mbedtls")) {
    e = asyncore::tls_engine::mbedtls;
  } else {
    return false;
  }
  return asyncore::tls_available(e);
}

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  std::string cert = "server.pem", key = "server.key";
  asyncore::tls_engine engine = asyncore::tls_engine::automatic;
  std::uint16_t port = 0;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(a, "--cert") && has_value) {
      cert = argv[++i];
    } else if (!std::strcmp(a, "--key") && has_value) {
      key = argv[++i];
    } else if (!std::strcmp(a, "--engine") && has_value) {
      if (!parse_engine(argv[++i], engine)) return cli.usage_error(std::string("no TLS engine '") + argv[i] + "' here");
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli.usage_error(std::string("unknown option or missing value: '") + a + "'");
    } else if (have_port || !example_cli::parse_port(a, port)) {
      return cli.usage_error(std::string("'") + a + "' is not a port number (0 to 65535), or a second one");
    } else {
      have_port = true;
    }
  }
  if (!have_port) return cli.usage_error("the port is missing");
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  asyncore::tls_context ctx(asyncore::tls_role::server, engine);
  ctx.set_handshake_timeout(10);
  std::error_code ec;
  ctx.use_certificate_file(cert, key, ec);
  if (ec) {
    std::fprintf(stderr, "tls_echo_server: %s, %s: %s\n", cert.c_str(), key.c_str(), asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
  asyncore::socket_map map;
  tls_echo_server server(&map, ctx, port, ec);
  if (ec) {
    std::fprintf(stderr, "tls_echo_server: %s\n", asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
  ctx.prepare(ec);  // the engine parses them now, not at the first client
  if (ec) {
    std::fprintf(stderr, "tls_echo_server: %s, %s: %s\n", cert.c_str(), key.c_str(), ctx.error_reason().c_str());
    return example_cli::exit_failure;
  }
  std::printf("listening on %s (TLS, %s)\n", server.socket().getsockname(ec).to_string().c_str(),
              asyncore::tls_engine_name(ctx.engine()));
  std::fflush(stdout);
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, asyncore::backend::poll, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "tls_echo_server: %s\n", asyncore::error_text(ec).c_str());
      return example_cli::exit_failure;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return example_cli::exit_ok;
}
