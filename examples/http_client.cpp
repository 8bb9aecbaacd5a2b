// SPDX-License-Identifier: MIT
// The basic HTTP client of Python's asyncore documentation, in C++.
//
//     http_client <host> <port> <path>
//     http_client --help
//
// Sends "GET <path> HTTP/1.0" and prints the whole response to stdout.
//
// Exit status: 0 the server answered and closed the connection (whatever the
// HTTP status; the response is printed as received); 1 the host cannot be
// resolved, the connection cannot be made (the cause is logged on stderr),
// or the server closed it without sending anything; 2 bad arguments (not
// three of them, an unknown option, a port that is not 1..65535).
#include <asyncore/asyncore.hpp>

#include "cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

class http_client : public asyncore::dispatcher {
 public:
  http_client(const std::string& host, std::uint16_t port, const std::string& path, std::error_code& ec)
      : buffer_("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n") {
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    asyncore::address a = asyncore::address::resolve(host, port, asyncore::family::inet, ec);
    if (!ec) connect(a, ec);
  }

  void handle_connect() override {}
  void handle_close() override { close(); }
  // A refused or failed connect (or another error): said on stderr, so that
  // stdout carries only the response; remembered for the exit status.
  void handle_error(const asyncore::error_cause& cause) override {
    failed = true;
    std::fprintf(stderr, "http_client: %s\n", cause.what.c_str());
    close();
  }
  bool failed = false;
  std::size_t received = 0;
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    received += n;
    std::fwrite(buf, 1, n, stdout);
  }
  bool writable() override { return !buffer_.empty(); }
  void handle_write() override {
    std::error_code ec;
    std::size_t sent = send(buffer_, ec);
    buffer_.erase(0, sent);
  }

 private:
  std::string buffer_;
};

const char usage[] =
    "usage: http_client <host> <port> <path>\n"
    "       http_client --help\n"
    "\n"
    "Sends \"GET <path> HTTP/1.0\" to <host>:<port> and prints the whole response\n"
    "(status line, headers, body) to stdout.\n"
    "  -h, --help   this text\n"
    "Exit status: 0 a response was received; 1 cannot resolve or connect, or no\n"
    "response; 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  std::vector<const char*> args;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    if (!options_done && !std::strcmp(argv[i], "--")) {
      options_done = true;
    } else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0') {
      return cli.usage_error(std::string("unknown option '") + argv[i] + "'");
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.size() != 3) return cli.usage_error("expected <host> <port> <path>, got " + std::to_string(args.size()) +
                                               " argument" + (args.size() == 1 ? "" : "s"));
  std::uint16_t port = 0;
  if (!example_cli::parse_port(args[1], port) || port == 0)
    return cli.usage_error(std::string("'") + args[1] + "' is not a port number (1 to 65535)");
  std::error_code ec;
  http_client client(args[0], port, args[2], ec);
  if (ec) {
    std::fprintf(stderr, "http_client: %s\n", asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
  asyncore::loop();
  std::fflush(stdout);
  if (client.failed) return example_cli::exit_failure;
  if (client.received == 0) {
    std::fprintf(stderr, "http_client: the server closed the connection without a response\n");
    return example_cli::exit_failure;
  }
  return example_cli::exit_ok;
}
