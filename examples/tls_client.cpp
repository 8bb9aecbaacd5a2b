// SPDX-License-Identifier: MIT
// A TLS client: sends its standard input, prints what comes back.
//
//     tls_client --ca FILE [--host NAME] [--engine openssl|mbedtls] HOST PORT
//     tls_client --help
//
// Connects to HOST:PORT, verifies the server's certificate against the CA
// certificates in FILE and the name NAME (default: HOST; it is also sent as
// SNI), then sends standard input as it comes and writes what the server
// sends to standard output. At the end of standard input, once all of it
// went out, it sends close_notify and waits for the server to finish.
//
// Exit status: 0 the server closed cleanly (close_notify); 1 a verification
// or handshake failure, a connection error, or an end of stream without
// close_notify (a truncation), each with a message on stderr; 2 bad arguments.
#include <asyncore/asyncore.hpp>
#include <asyncore/file_dispatcher.hpp>
#include <asyncore/tls.hpp>

#include "cli.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

int g_status = example_cli::exit_failure;

class tls_client : public asyncore::dispatcher {
 public:
  using dispatcher::dispatcher;
  std::string out;        // standard input not sent yet
  bool input_done = false;
  asyncore::dispatcher* input = nullptr;  // closed with us: the loop then ends

  bool readable() override { return true; }
  bool writable() override { return connecting || !out.empty(); }
  void handle_connect() override {}  // after the handshake and the verification
  void handle_write() override {
    std::error_code ec;
    out.erase(0, send(out.data(), out.size(), ec));
    finish_if_done();
  }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) {
      std::fwrite(buf, 1, n, stdout);
      std::fflush(stdout);
    }
  }
  void handle_close() override {
    if (asyncore::tls_close_notify_received(*this)) {
      g_status = example_cli::exit_ok;
    } else {
      std::fprintf(stderr, "tls_client: the server ended the stream without close_notify\n");
    }
    finish();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "tls_client: %s\n", cause.what.c_str());
    finish();
  }
  void handle_tls_handshake() override { finish_if_done(); }  // an empty input
  void finish() {
    close();
    if (input) input->close();
  }
  // All of standard input went out: close_notify; the server answers with its own.
  void finish_if_done() {
    if (input_done && out.empty() && asyncore::tls_established(*this)) {
      std::error_code ec;
      asyncore::tls_shutdown(*this, ec);
    }
  }
};

// Standard input, through the loop.
class input : public asyncore::file_dispatcher {
 public:
  input(tls_client& c, asyncore::socket_map* map, std::error_code& ec) : file_dispatcher(0, map, ec), c_(c) {}
  // Reads only while the client has taken the last piece (back-pressure).
  bool readable() override { return c_.out.size() < (256u << 10); }
  bool writable() override { return false; }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) c_.out.append(buf, n);
  }
  void handle_close() override {
    close();
    c_.input_done = true;
    c_.interest_changed();
    if (asyncore::tls_established(c_)) c_.finish_if_done();
  }

 private:
  tls_client& c_;
};

const char usage[] =
    "usage: tls_client --ca FILE [--host NAME] [--engine openssl|mbedtls] HOST PORT\n"
    "       tls_client --help\n"
    "\n"
    "Connects to HOST:PORT over TLS, verifies the server against the CA\n"
    "certificates in FILE and the name NAME (default HOST), sends standard\n"
    "input and prints what comes back.\n"
    "Exit status: 0 the server closed cleanly; 1 a verification, handshake or\n"
    "connection failure (said on stderr); 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  std::string ca, name, host;
  asyncore::tls_engine engine = asyncore::tls_engine::automatic;
  std::uint16_t port = 0;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(a, "--ca") && has_value) {
      ca = argv[++i];
    } else if (!std::strcmp(a, "--host") && has_value) {
      name = argv[++i];
    } else if (!std::strcmp(a, "--engine") && has_value) {
      const std::string e = argv[++i];
      engine = e == "openssl" ? asyncore::tls_engine::openssl : asyncore::tls_engine::mbedtls;
      if ((e != "openssl" && e != "mbedtls") || !asyncore::tls_available(engine))
        return cli.usage_error("no TLS engine '" + e + "' here");
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli.usage_error(std::string("unknown option or missing value: '") + a + "'");
    } else if (positional == 0) {
      host = a;
      ++positional;
    } else if (positional == 1 && example_cli::parse_port(a, port) && port != 0) {
      ++positional;
    } else {
      return cli.usage_error(std::string("unexpected argument '") + a + "'");
    }
  }
  if (ca.empty()) return cli.usage_error("--ca FILE is required");
  if (positional != 2) return cli.usage_error("HOST and PORT are required");
  if (name.empty()) name = host;

  asyncore::tls_context ctx(asyncore::tls_role::client, engine);
  std::error_code ec;
  ctx.load_ca_file(ca, ec);
  if (!ec) ctx.prepare(ec);
  if (ec) {
    std::fprintf(stderr, "tls_client: %s: %s %s\n", ca.c_str(), ec.message().c_str(), ctx.error_reason().c_str());
    return example_cli::exit_failure;
  }
  asyncore::socket_map map;
  tls_client client(&map);
  // The name is resolved first (blocking, as examples/http_client does).
  const asyncore::address a = asyncore::address::resolve(host, port, asyncore::family::unspec, ec);
  if (!ec) client.create_socket(a.get_family(), asyncore::socket_type::stream, ec);
  if (!ec) asyncore::start_tls(client, ctx, name, ec);  // before connect: handle_connect after the handshake
  if (!ec) client.connect(a, ec);
  if (ec) {
    std::fprintf(stderr, "tls_client: %s:%u: %s\n", host.c_str(), port, ec.message().c_str());
    return example_cli::exit_failure;
  }
  input in(client, &map, ec);
  client.input = &in;
  if (ec) {
    std::fprintf(stderr, "tls_client: standard input: %s\n", ec.message().c_str());
    return example_cli::exit_failure;
  }
  asyncore::loop(30.0, asyncore::backend::poll, &map, std::nullopt, ec);
  if (ec) std::fprintf(stderr, "tls_client: %s\n", ec.message().c_str());
  return g_status;
}
