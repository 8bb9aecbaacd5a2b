// A line-echo server on async_chat: every line a client sends comes back.
//
//     line_echo_server [--select | --poll | --epoll] [port]
//
// The same command line as echo_server: listens on 127.0.0.1:<port> (the
// last argument, default 8007; 0 picks a free port, and the line
// "listening on 127.0.0.1:<port>" tells which), echoes each line ("\n"
// terminated, a "\r" before it kept) as soon as it is complete, and exits
// with status 0 on SIGTERM or SIGINT. A line longer than max_record_size()
// (ASYNCORE_DEFAULT_MAX_RECORD, 1 MiB) ends that connection. A client that
// half-closes gets the rest of its echo, then EOF; one that does not read
// stops the server reading from it once 1 MiB is queued (water marks).
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// One client: frames the input by "\n" and pushes each line back.
class line_echo_handler : public asyncore::async_chat {
 public:
  line_echo_handler(asyncore::socket sock, asyncore::socket_map* map, std::error_code& ec)
      : async_chat(std::move(sock), map, ec) {
    set_terminator("\n");
    ac_in_buffer_size = 8192;  // per recv(), as echo_server reads
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
  line_echo_server(asyncore::socket_map* map, std::uint16_t port, std::error_code& ec) : dispatcher(map) {
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(asyncore::address("127.0.0.1", port), ec);
    if (!ec) listen(ASYNCORE_LISTEN_BACKLOG, ec);
    set_stable_predicates();  // a listener's readable()/writable() never change
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    asyncore::make_owned<line_echo_handler>(std::move(sock), map(), ec);  // freed after it closes
  }
  std::string_view type_name() const override { return "line_echo_server"; }
};

}  // namespace

int main(int argc, char** argv) {
  asyncore::backend be = asyncore::backend::poll;
  std::uint16_t port = 8007;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--select")) {
      be = asyncore::backend::select;
    } else if (!std::strcmp(argv[i], "--poll")) {
      be = asyncore::backend::poll;
    } else if (!std::strcmp(argv[i], "--epoll")) {
      be = asyncore::backend::epoll;
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
  // The library never touches signal handlers; the program owns them.
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  asyncore::socket_map map;
  std::error_code ec;
  line_echo_server server(&map, port, ec);
  if (ec) {
    std::fprintf(stderr, "line_echo_server: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("listening on %s (%s)\n", server.socket().getsockname(ec).to_string().c_str(),
              asyncore::backend_name(be));
  std::fflush(stdout);
  // Short iterations, so a signal is noticed within 0.2 s.
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, be, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "line_echo_server: %s\n", ec.message().c_str());
      return 1;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return 0;
}
