// The echo server of Python's asyncore documentation, in C++.
//
//     echo_server [--select | --poll | --epoll] [--idle-timeout SECONDS] [port]
//
// Listens on 127.0.0.1:<port> (the last argument; 0 picks a free port, and
// the line "listening on 127.0.0.1:<port>" tells which), echoes every byte it
// receives until the client closes, and exits with status 0 on SIGTERM or
// SIGINT. A client that resets its connection only ends that connection; one
// that half-closes (shutdown of its write side) gets the rest of its echo,
// then EOF (close_when_done() at end of stream). A client that does not
// read stops the server reading from it once 1 MiB of echo is queued
// (output water marks), so it cannot make the server hold more.
// The default backend is poll, which has no descriptor limit (select stops
// at FD_SETSIZE, 1024 on Linux).
//
// With --idle-timeout, a connection that neither sends nor receives anything
// for SECONDS is closed (the line "idle <peer> closed" says so): each
// connection has its own timer (dispatcher::call_later), reset on activity;
// it belongs to the channel, so a connection that closes first takes its
// timer with it.
#include <asyncore/asyncore.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

class echo_handler : public asyncore::dispatcher_with_send {
 public:
  echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), map, ec) {
    // readable() and writable() depend only on our own output buffer, which
    // changes only in our handlers (and send() reports it): the loop may
    // skip sampling them while we are idle (10000 idle clients cost nothing).
    set_stable_predicates();
    // Back-pressure: stop reading while a slow client has over 1 MiB
    // unsent, read again once it is down to 256 KiB.
    set_output_limits(1u << 20, 256u << 10);
  }

  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
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

  echo_server(asyncore::socket_map* map, std::uint16_t port, std::error_code& ec) : dispatcher(map) {
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(asyncore::address("127.0.0.1", port), ec);
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

}  // namespace

int main(int argc, char** argv) {
  asyncore::backend be = asyncore::backend::poll;
  std::uint16_t port = 8007;
  double idle_timeout = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--select")) {
      be = asyncore::backend::select;
    } else if (!std::strcmp(argv[i], "--poll")) {
      be = asyncore::backend::poll;
    } else if (!std::strcmp(argv[i], "--epoll")) {
      be = asyncore::backend::epoll;
    } else if (!std::strcmp(argv[i], "--idle-timeout") && i + 1 < argc) {
      idle_timeout = std::strtod(argv[++i], nullptr);
    } else if (i == argc - 1) {
      port = static_cast<std::uint16_t>(std::strtoul(argv[i], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: %s [--select | --poll | --epoll] [port]\n", argv[0]);
      return 2;
    }
  }
  if (!asyncore::has_backend(be)) {
    std::fprintf(stderr, "backend %s is not available here\n", asyncore::backend_name(be));
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  asyncore::socket_map map;
  std::error_code ec;
  echo_server server(&map, port, ec);
  server.idle_timeout = idle_timeout;
  if (ec) {
    std::fprintf(stderr, "echo_server: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("listening on %s (%s)\n", server.socket().getsockname(ec).to_string().c_str(),
              asyncore::backend_name(be));
  std::fflush(stdout);
  // Short iterations, so a signal is noticed within 0.2 s.
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, be, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "echo_server: %s\n", ec.message().c_str());
      return 1;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return 0;
}
