// SPDX-License-Identifier: MIT
// file_dispatcher (POSIX): copy a pipe or terminal to stdout through the loop,
// next to sockets if there were any.
//
//     file_reader < input          (e.g. some_command | file_reader)
//     file_reader --help
//
// Reads standard input with a file_dispatcher (a duplicate of fd 0; the
// caller's descriptor keeps its blocking mode) and prints what it reads with
// a byte count, until end of input.
//
// Exit status: 0 end of input reached (the byte count is on stderr); 1
// standard input cannot be polled (closed, ...); 2 bad arguments (it takes
// none).
#include <asyncore/asyncore.hpp>
#include <asyncore/file_dispatcher.hpp>

#include "cli.hpp"

#include <cstdio>
#include <string>

namespace {

class stdin_reader : public asyncore::file_dispatcher {
 public:
  using file_dispatcher::file_dispatcher;
  std::size_t total = 0;
  bool writable() override { return false; }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    total += n;
    std::fwrite(buf, 1, n, stdout);
  }
  void handle_close() override { close(); }
};

const char usage[] =
    "usage: file_reader < input      (e.g. some_command | file_reader)\n"
    "       file_reader --help\n"
    "\n"
    "Copies standard input (a pipe or terminal, read through the loop with a\n"
    "file_dispatcher) to standard output, then prints the byte count on stderr.\n"
    "  -h, --help   this text\n"
    "Exit status: 0 end of input; 1 standard input cannot be read; 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  if (argc > 1) return cli.usage_error(std::string("unexpected argument '") + argv[1] + "' (it reads standard input)");
  std::error_code ec;
  stdin_reader in(0, nullptr, ec);
  if (ec) {
    std::fprintf(stderr, "file_reader: %s\n", asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
  asyncore::loop(30.0, true);
  std::fprintf(stderr, "file_reader: %zu bytes\n", in.total);
  return example_cli::exit_ok;
}
