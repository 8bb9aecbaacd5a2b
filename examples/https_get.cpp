// SPDX-License-Identifier: MIT
// A small HTTPS client on async_chat: GET one URL, print the body.
//
//     https_get --ca FILE [--engine openssl|mbedtls] https://HOST[:PORT]/PATH
//     https_get --help
//
// async_chat frames the response exactly as it would over plain TCP: the
// status line and the headers by "\r\n", then the body by its Content-Length
// (or, without one, until the server closes). TLS is started on the
// channel before connect; the server is verified against the CA
// certificates in FILE and HOST.
//
// Exit status: 0 a 2xx answer whose whole body was printed; 1 anything else
// (a verification or handshake failure, a non-2xx status, a short body),
// with a message on stderr; 2 bad arguments.
#include <asyncore/async_chat.hpp>
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include "cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

class https_get : public asyncore::async_chat {
 public:
  https_get(asyncore::socket_map* map, const std::string& host, const std::string& path) : async_chat(map) {
    set_terminator("\r\n");
    push("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nUser-Agent: asyncore-https_get\r\n\r\n");
  }
  int status = 0;
  bool complete = false, failed = false;

  void handle_connect() override {}  // the request queued in the constructor goes out now
  void collect_incoming_data(std::string_view data) override {
    if (in_body_) {
      std::fwrite(data.data(), 1, data.size(), stdout);
      received_ += data.size();
    } else {
      line_.append(data.data(), data.size());
    }
  }
  void found_terminator() override {
    if (in_body_) {  // the Content-Length count reached
      complete = true;
      close_when_done();
      return;
    }
    const std::string line = line_;
    line_.clear();
    if (status == 0) {
      // "HTTP/1.1 200 OK"
      const std::size_t sp = line.find(' ');
      status = sp == std::string::npos ? -1 : std::atoi(line.c_str() + sp + 1);
      std::fprintf(stderr, "https_get: %s\n", line.c_str());
      return;
    }
    if (line.empty()) {  // end of the headers
      in_body_ = true;
      if (length_ >= 0) {
        if (length_ == 0) {
          complete = true;
          close_when_done();
        } else {
          set_terminator(static_cast<std::uint64_t>(length_));
        }
      } else {
        set_terminator(std::nullopt);  // the body ends when the server closes
      }
      return;
    }
    if (line.size() > 15 && strncasecmp(line.c_str(), "content-length:", 15) == 0)
      length_ = std::atoll(line.c_str() + 15);
  }
  void handle_close() override {
    if (in_body_ && length_ < 0) complete = true;  // read until the close
    close();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "https_get: %s\n", cause.what.c_str());
    failed = true;
    close();
  }

 private:
  std::string line_;
  bool in_body_ = false;
  long long length_ = -1;
  std::size_t received_ = 0;
};

const char usage[] =
    "usage: https_get --ca FILE [--engine openssl|mbedtls] https://HOST[:PORT]/PATH\n"
    "       https_get --help\n"
    "\n"
    "GETs the URL over TLS (the server verified against the CA certificates in\n"
    "FILE and HOST) and prints the body; the status line goes to stderr.\n"
    "Exit status: 0 a 2xx answer, body complete; 1 a failure; 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  std::string ca, url;
  asyncore::tls_engine engine = asyncore::tls_engine::automatic;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strcmp(a, "--ca") && i + 1 < argc) {
      ca = argv[++i];
    } else if (!std::strcmp(a, "--engine") && i + 1 < argc) {
      const std::string e = argv[++i];
      engine = e == "openssl" ? asyncore::tls_engine::openssl : asyncore::tls_engine::mbedtls;
      if ((e != "openssl" && e != "mbedtls") || !asyncore::tls_available(engine))
        return cli.usage_error("no TLS engine '" + e + "' here");
    } else if (a[0] == '-' || !url.empty()) {
      return cli.usage_error(std::string("unexpected argument '") + a + "'");
    } else {
      url = a;
    }
  }
  if (ca.empty() || url.empty()) return cli.usage_error("--ca FILE and the URL are required");
  if (url.compare(0, 8, "https://") != 0) return cli.usage_error("the URL must start with https://");
  std::string rest = url.substr(8);
  const std::size_t slash = rest.find('/');
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = rest.substr(0, slash);
  std::uint16_t port = 443;
  const std::size_t colon = host.rfind(':');
  if (colon != std::string::npos) {
    if (!example_cli::parse_port(host.c_str() + colon + 1, port) || port == 0)
      return cli.usage_error("bad port in '" + url + "'");
    host.resize(colon);
  }

  asyncore::tls_context ctx(asyncore::tls_role::client, engine);
  ctx.set_alpn({"http/1.1"});
  std::error_code ec;
  ctx.load_ca_file(ca, ec);
  if (!ec) ctx.prepare(ec);
  if (ec) {
    std::fprintf(stderr, "https_get: %s: %s %s\n", ca.c_str(), asyncore::error_text(ec).c_str(), ctx.error_reason().c_str());
    return example_cli::exit_failure;
  }
  example_cli::binary_stdio();  // the body as it came (Windows: no CR/LF translation)
  asyncore::socket_map map;
  https_get client(&map, host, path);
  const asyncore::address a = asyncore::address::resolve(host, port, asyncore::family::inet, ec);
  if (!ec) client.create_socket(a.get_family(), asyncore::socket_type::stream, ec);
  if (!ec) asyncore::start_tls(client, ctx, host, ec);
  if (!ec) client.connect(a, ec);
  if (ec) {
    std::fprintf(stderr, "https_get: %s: %s\n", url.c_str(), asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
  asyncore::loop(30.0, asyncore::backend::poll, &map, std::nullopt, ec);
  std::fflush(stdout);
  if (client.failed) return example_cli::exit_failure;
  if (!client.complete) {
    std::fprintf(stderr, "https_get: the body is incomplete\n");
    return example_cli::exit_failure;
  }
  return client.status >= 200 && client.status < 300 ? example_cli::exit_ok : example_cli::exit_failure;
}
