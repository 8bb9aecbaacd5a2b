// SPDX-License-Identifier: MIT
// A line-echo server on async_chat: every line a client sends comes back.
//
//     line_echo_server [--select | --poll | --epoll] [--read-size BYTES] [--bind ADDRESS] [port]
//     line_echo_server --help
//
// The same command line as echo_server: listens on 127.0.0.1:<port> (the
// last argument, default 8007; 0 picks a free port, and the line
// "listening on 127.0.0.1:<port>" tells which; --bind listens on another
// numeric address), echoes each line ("\n"
// terminated, a "\r" before it kept) as soon as it is complete, and exits
// with status 0 on SIGTERM or SIGINT. A line longer than max_record_size()
// (ASYNCORE_DEFAULT_MAX_RECORD, 1 MiB) ends that connection. A client that
// half-closes gets the rest of its echo, then EOF; one that does not read
// stops the server reading from it once 1 MiB is queued (water marks).
//
// Exit status: 0 stopped by SIGTERM/SIGINT, or --help; 1 cannot listen (the
// port is taken, ...) or the loop failed; 2 bad arguments (an unknown option,
// a port that is not 0..65535, two ports, a backend this system lacks).
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "cli.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::size_t g_read_size = example_cli::default_read_size;  // --read-size

// One client: frames the input by "\n" and pushes each line back.
class line_echo_handler : public asyncore::async_chat {
 public:
  line_echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : async_chat(std::move(sock), map, ec) {
    set_terminator("\n");
    // Bytes per recv() (64 KiB, async_chat's default; --read-size): a bulk
    // stream then costs one read and one framing pass per 64 KiB, not per
    // 8 KiB. It costs nothing per connection: reads go into the map's one
    // shared buffer. ac_out_buffer_size (default 64 KiB) bounds each send()
    // of a pushed string; a larger one sends long replies in fewer calls.
    ac_in_buffer_size = g_read_size;
    set_stable_predicates();   // readable()/writable() depend on our own state only
    // Back-pressure: stop reading while a slow client has over 1 MiB
    // unsent, read again once it is down to 256 KiB.
    set_output_limits(1u << 20, 256u << 10);
  }
  // After the end of stream, read no more (the EOF would be seen again).
  bool readable() override { return !eof_ && async_chat::readable(); }

  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override {
    line_ += '\n';
    push(line_);  // push copies: line_ is reused at once
    line_.clear();
  }
  // End of stream: send what is queued, then close. The queued close calls
  // handle_close() again; so does a send that fails meanwhile: then close.
  void handle_close() override {
    if (eof_) {
      close();
      return;
    }
    eof_ = true;
    close_when_done();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    log_info("closing " + repr() + ": " + cause.what, "error");
    close();
  }
  std::string_view type_name() const override { return "line_echo_handler"; }

 private:
  std::string line_;
  bool eof_ = false;
};

class line_echo_server : public asyncore::dispatcher {
 public:
  line_echo_server(asyncore::socket_map* map, const asyncore::address& where, std::error_code& ec)
      : dispatcher(map) {
    create_socket(where.get_family(), asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(where, ec);
    if (!ec) listen(ASYNCORE_LISTEN_BACKLOG, ec);
    set_stable_predicates();  // a listener's readable()/writable() never change
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    asyncore::make_owned<line_echo_handler>(std::move(sock), map(), ec);  // freed after it closes
  }
  std::string_view type_name() const override { return "line_echo_server"; }
};

const char usage[] =
    "usage: line_echo_server [--select | --poll | --epoll] [--read-size BYTES]\n"
    "                        [--bind ADDRESS] [port]\n"
    "       line_echo_server --help\n"
    "\n"
    "Sends every line (\"\\n\" terminated) back to its client as soon as it is\n"
    "complete, on 127.0.0.1:<port> (default 8007; 0 picks a free port and prints\n"
    "it). Stops with status 0 on SIGTERM or SIGINT.\n"
    "  --select, --poll, --epoll   the loop's backend (default: poll)\n"
    "  --read-size BYTES           bytes per recv (default 65536)\n"
    "  --bind ADDRESS              listen on this numeric address (default 127.0.0.1)\n"
    "  -h, --help                  this text\n"
    "Exit status: 0 stopped by a signal; 1 cannot listen or the loop failed;\n"
    "2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  asyncore::backend be = asyncore::backend::poll;
  std::uint16_t port = 8007;
  std::string host = "127.0.0.1";
  if (int rc = example_cli::take_read_size(cli, argc, argv, g_read_size)) return rc;
  if (int rc = example_cli::parse_server_args(cli, argc, argv, be, port, &host)) return rc;
  // The library never touches signal handlers; the program owns them.
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  asyncore::socket_map map;
  std::error_code ec;
  line_echo_server server(&map, asyncore::address(host, port), ec);
  if (ec) {
    std::fprintf(stderr, "line_echo_server: %s\n", asyncore::error_text(ec).c_str());
    return 1;
  }
  std::printf("listening on %s (%s)\n", server.socket().getsockname(ec).to_string().c_str(),
              asyncore::backend_name(be));
  std::fflush(stdout);
  // Short iterations, so a signal is noticed within 0.2 s.
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, be, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "line_echo_server: %s\n", asyncore::error_text(ec).c_str());
      return 1;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return 0;
}
