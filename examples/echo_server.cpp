// SPDX-License-Identifier: MIT
// The echo server of Python's asyncore documentation, in C++.
//
//     echo_server [--select | --poll | --epoll] [--idle-timeout SECONDS]
//                 [--read-size BYTES] [--bind ADDRESS] [port]
//     echo_server --help
//
// Listens on 127.0.0.1:<port> (default 8007; 0 picks a free port, and the
// line "listening on 127.0.0.1:<port>" tells which; --bind listens on another
// numeric address, such as a board's own), echoes every byte it
// receives until the client closes, and exits with status 0 on SIGTERM or
// SIGINT. A client that resets its connection only ends that connection; one
// that half-closes (shutdown of its write side) gets the rest of its echo,
// then EOF (close_when_done() at end of stream). A client that does not
// read stops the server reading from it once 1 MiB of echo is queued
// (output water marks), so it cannot make the server hold more.
// The default backend is poll, which has no descriptor limit (select stops
// at FD_SETSIZE, 1024 on Linux). Reads are 64 KiB (--read-size): see
// handle_read for why.
//
// With --idle-timeout, a connection that neither sends nor receives anything
// for SECONDS is closed (the line "idle <peer> closed" says so): each
// connection has its own timer (dispatcher::call_later), reset on activity;
// it belongs to the channel, so a connection that closes first takes its
// timer with it.
//
// Exit status: 0 stopped by SIGTERM/SIGINT, or --help; 1 cannot listen (the
// port is taken, ...) or the loop failed; 2 bad arguments (an unknown option,
// a port that is not 0..65535, two ports, a backend this system lacks).
#include <asyncore/asyncore.hpp>

#include "cli.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// The read buffer, shared by every connection (the loop runs one hook at a
// time, and handle_read is done with it before it returns), so its size
// costs nothing per connection.
std::vector<char> g_read_buffer(example_cli::default_read_size);

class echo_handler : public asyncore::dispatcher_with_send {
 public:
  echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), map, ec) {
    // readable() and writable() are dispatcher_with_send's, which announces
    // every change of its output buffer: the loop samples them only then,
    // not after every event (and an idle client costs nothing).
    set_announced_predicates();
    // Back-pressure: stop reading while a slow client has over 1 MiB
    // unsent, read again once it is down to 256 KiB.
    set_output_limits(1u << 20, 256u << 10);
  }

  // One recv() of up to 64 KiB (--read-size): a bulk transfer then costs
  // one read, one send and one event per 64 KiB. With 8 KiB reads the same
  // echo makes eight times the calls and gets about half the throughput of
  // an Asio or libuv server reading 64 KiB; small messages cost the same
  // either way. send() sends straight from the buffer and copies only what
  // the socket does not take.
  void handle_read() override {
    std::error_code ec;
    std::size_t n = recv(g_read_buffer.data(), g_read_buffer.size(), ec);
    if (n) send(g_read_buffer.data(), n);
  }
  // End of stream (or a reset): send what is queued, then close.
  void handle_close() override { close_when_done(); }
  void handle_error(const asyncore::error_cause& cause) override {
    log_info("closing " + repr() + ": " + cause.what, "error");
    close();
  }
  std::string_view type_name() const override { return "echo_handler"; }
};

// An echo_handler that closes itself after `timeout` seconds without
// traffic. The timer is the channel's own: close() (ours, or the client's
// end of stream) cancels it, so it never fires on a closed connection.
class idle_echo_handler : public echo_handler {
 public:
  idle_echo_handler(asyncore::socket sock, asyncore::socket_map* map, double timeout, std::error_code& ec)
      : echo_handler(std::move(sock), map, ec) {
    if (!ec) idle_ = call_later(timeout, [this] { on_idle(); });
  }
  void handle_read() override {
    idle_.reset();  // the same delay again, from now
    echo_handler::handle_read();
  }
  void handle_write() override {
    idle_.reset();  // a slow reader draining a long echo is not idle either
    echo_handler::handle_write();
  }
  std::string_view type_name() const override { return "idle_echo_handler"; }

 private:
  void on_idle() {
    std::printf("idle %s closed\n", addr.to_string().c_str());
    std::fflush(stdout);
    close();
  }
  asyncore::timer idle_;
};

class echo_server : public asyncore::dispatcher {
 public:
  double idle_timeout = 0;  // seconds; 0: connections never time out

  echo_server(asyncore::socket_map* map, const asyncore::address& where, std::error_code& ec) : dispatcher(map) {
    create_socket(where.get_family(), asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(where, ec);
    if (!ec) listen(ASYNCORE_LISTEN_BACKLOG, ec);
    set_stable_predicates();  // a listener's readable()/writable() never change
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    if (idle_timeout > 0) {
      asyncore::make_owned<idle_echo_handler>(std::move(sock), map(), idle_timeout, ec);
      return;
    }
    asyncore::make_owned<echo_handler>(std::move(sock), map(), ec);
  }
  std::string_view type_name() const override { return "echo_server"; }
};

const char usage[] =
    "usage: echo_server [--select | --poll | --epoll] [--idle-timeout SECONDS]\n"
    "                   [--read-size BYTES] [--bind ADDRESS] [port]\n"
    "       echo_server --help\n"
    "\n"
    "Echoes every byte back to each client, on 127.0.0.1:<port> (default 8007;\n"
    "0 picks a free port and prints it). Stops with status 0 on SIGTERM or SIGINT.\n"
    "  --select, --poll, --epoll   the loop's backend (default: poll)\n"
    "  --idle-timeout SECONDS      close a connection idle that long\n"
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
  // --idle-timeout SECONDS is this example's own option; the rest are the
  // examples' common server arguments (examples/cli.hpp).
  double idle_timeout = 0;
  std::size_t read_size = example_cli::default_read_size;
  if (int rc = example_cli::take_read_size(cli, argc, argv, read_size)) return rc;
  g_read_buffer.resize(read_size);
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--idle-timeout")) {
      char* end = nullptr;
      if (i + 1 >= argc || (idle_timeout = std::strtod(argv[i + 1], &end), *end != '\0') || !(idle_timeout > 0))
        return cli.usage_error("--idle-timeout takes a number of seconds above 0");
      ++i;
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::string host = "127.0.0.1";
  if (int rc = example_cli::parse_server_args(cli, static_cast<int>(rest.size()), rest.data(), be, port, &host))
    return rc;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  asyncore::socket_map map;
  std::error_code ec;
  echo_server server(&map, asyncore::address(host, port), ec);
  server.idle_timeout = idle_timeout;
  if (ec) {
    std::fprintf(stderr, "echo_server: %s\n", asyncore::error_text(ec).c_str());
    return 1;
  }
  std::printf("listening on %s (%s)\n", server.socket().getsockname(ec).to_string().c_str(),
              asyncore::backend_name(be));
  std::fflush(stdout);
  // Short iterations, so a signal is noticed within 0.2 s.
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, be, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "echo_server: %s\n", asyncore::error_text(ec).c_str());
      return 1;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return 0;
}
