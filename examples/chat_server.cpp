// SPDX-License-Identifier: MIT
// A chat server on async_chat: every line a client sends goes to every other
// client.
//
//     chat_server --demo     # a scripted exchange between three clients, then exit 0
//     chat_server [--select | --poll | --epoll] [--bind ADDRESS] [port]
//                            # serve on 127.0.0.1:<port> (default 8023; 0 picks a free
//                            # port); prints "listening on 127.0.0.1:<port>" and a client
//                            # command; exits 0 on SIGTERM or SIGINT; --bind serves on
//                            # another numeric address (a board's own)
//     chat_server --help
//
// A client that every Debian/Ubuntu system has is bash itself (its /dev/tcp
// redirection; nc and telnet are not installed by default):
//     bash -c 'exec 3<>/dev/tcp/127.0.0.1/8023; cat <&3 & cat >&3'
// Type lines; /quit leaves (then Ctrl-D ends the local cat). nc or telnet
// work as well where they are installed.
//
// Exit status: 0 the demo's exchange completed, the server was stopped by
// SIGTERM/SIGINT, or --help; 1 the demo stalled, or the server cannot listen
// (the port is taken, ...) or its loop failed; 2 bad arguments (an unknown
// option, a port that is not 0..65535, two ports, --demo with other
// arguments, a backend this system lacks).
//
// Protocol, one line each way (clients may end lines with "\n" or "\r\n"):
//     /nick NAME    rename yourself        /quit    leave
//     anything else is sent to the others as "<NAME> text"
// The server's own notices start with "* ".
//
// The --demo mode starts the server on 127.0.0.1 port 0 in this process and
// drives three async_chat clients through a short script in the same loop;
// each step waits (boundedly) until the lines it causes have arrived.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "cli.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

class chat_server;

// -- the server side ----------------------------------------------------------

class chat_session : public asyncore::async_chat {
 public:
  chat_session(asyncore::socket sock, asyncore::socket_map* map, chat_server& server, std::string name,
               std::error_code& ec)
      : async_chat(std::move(sock), map, ec), server_(server), name_(std::move(name)) {
    set_terminator("\n");
    set_max_record_size(4096);  // a longer line: handle_error, and the session closes
    // A client that reads too slowly for the others' lines: past 64 KiB
    // queued it gets no more lines (and is not read) until it is down to
    // 16 KiB, then one notice of how many it missed.
    set_output_limits(64u << 10, 16u << 10);
  }
  const std::string& name() const { return name_; }
  void say(const std::string& line) {
    if (!connected) return;
    if (output_paused()) {
      ++missed_;
      return;
    }
    push(line + "\r\n");
  }
  void handle_output_low() override {
    if (missed_ == 0) return;
    const unsigned n = missed_;
    missed_ = 0;
    say("* " + std::to_string(n) + " lines missed (reading too slowly)");
  }

  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override;
  void handle_close() override;
  std::string_view type_name() const override { return "chat_session"; }

 private:
  chat_server& server_;
  std::string name_;
  std::string line_;
  bool left_ = false;
  unsigned missed_ = 0;
};

class chat_server : public asyncore::dispatcher {
 public:
  chat_server(const asyncore::address& where, asyncore::socket_map* map, std::error_code& ec) : dispatcher(map) {
    create_socket(where.get_family(), asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(where, ec);
    if (!ec) listen(ASYNCORE_LISTEN_BACKLOG, ec);
  }
  std::uint16_t port() const {
    std::error_code ec;
    return socket().getsockname(ec).port();
  }

  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    std::string name = "guest" + std::to_string(++guests_);
    chat_session* s = asyncore::make_owned<chat_session>(std::move(sock), map(), *this, name, ec);
    if (ec) return;
    s->say("* welcome, " + name + " (/nick NAME to rename, /quit to leave)");
    broadcast(s, "* " + name + " joined");
    sessions_.push_back(s);
  }
  // To every session but `from`. Iterates over a copy: a push may fail and
  // close (and unlist) a session.
  void broadcast(const chat_session* from, const std::string& line) {
    const std::vector<chat_session*> all = sessions_;
    for (chat_session* s : all)
      if (s != from && s->connected) s->say(line);
  }
  void leave(chat_session* s) {
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (*it == s) {
        sessions_.erase(it);
        broadcast(s, "* " + s->name() + " left");
        return;
      }
    }
  }
  std::string_view type_name() const override { return "chat_server"; }

 private:
  std::vector<chat_session*> sessions_;
  unsigned guests_ = 0;
};

void chat_session::found_terminator() {
  std::string line;
  line.swap(line_);
  if (!line.empty() && line.back() == '\r') line.pop_back();  // telnet sends "\r\n"
  if (line.rfind("/nick ", 0) == 0 && line.size() > 6) {
    const std::string old = name_;
    name_ = line.substr(6);
    say("* " + old + " is now known as " + name_);
    server_.broadcast(this, "* " + old + " is now known as " + name_);
  } else if (line == "/quit") {
    say("* bye " + name_);
    left_ = true;
    server_.leave(this);
    close_when_done();  // after the goodbye went out
  } else if (!line.empty()) {
    server_.broadcast(this, "<" + name_ + "> " + line);
  }
}

void chat_session::handle_close() {
  if (!left_) {
    left_ = true;
    server_.leave(this);
  }
  close();
}

// -- the scripted demo ---------------------------------------------------------------

class demo_client : public asyncore::async_chat {
 public:
  demo_client(asyncore::socket_map* map, std::string label) : async_chat(map), label_(std::move(label)) {
    set_terminator("\r\n");
  }
  void start(const asyncore::address& server) {
    std::error_code ec;
    create_socket(server.get_family(), asyncore::socket_type::stream, ec);
    if (!ec) connect(server, ec);
    if (ec) std::printf("%-6s !! connect: %s\n", label_.c_str(), asyncore::error_text(ec).c_str());
  }
  void send_line(const std::string& line) {
    std::printf("%-6s -> %s\n", label_.c_str(), line.c_str());
    push(line + "\r\n");
  }
  void handle_connect() override {}
  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override {
    std::printf("%-6s <- %s\n", label_.c_str(), line_.c_str());
    line_.clear();
    ++received;
  }
  void handle_close() override {
    std::printf("%-6s -- connection closed by the server\n", label_.c_str());
    close();
  }
  std::size_t received = 0;

 private:
  std::string label_;
  std::string line_;
};

int run_demo() {
  asyncore::socket_map map;
  std::error_code ec;
  chat_server server(asyncore::address("127.0.0.1", 0), &map, ec);
  if (ec) {
    std::fprintf(stderr, "chat_server: cannot listen: %s\n", asyncore::error_text(ec).c_str());
    return 1;
  }
  const asyncore::address where("127.0.0.1", server.port());
  std::printf("chat server on %s; three scripted clients join\n\n", where.to_string().c_str());

  demo_client alice(&map, "alice"), bob(&map, "bob"), carol(&map, "carol");
  demo_client* who[] = {&alice, &bob, &carol};
  std::size_t expected[3] = {0, 0, 0};

  bool gone[3] = {false, false, false};

  // Runs the loop until every client got the lines expected so far, and the
  // ones that quit were disconnected (bounded).
  auto settle = [&]() -> bool {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      bool done = true;
      for (int i = 0; i < 3; ++i) done = done && who[i]->received >= expected[i] && (!gone[i] || !who[i]->registered());
      if (done) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      asyncore::loop(0.1, true, &map, 1);
    }
  };
  // What each step makes the server send, per client: +1 to those listed.
  struct step {
    int client;        // who acts
    const char* line;  // nullptr: connect
    bool to[3];        // who receives one line because of it
    bool quits;        // the server then closes this client's connection
  };
  const step script[] = {
      {0, nullptr, {true, false, false}, false},
      {1, nullptr, {true, true, false}, false},
      {2, nullptr, {true, true, true}, false},
      {0, "/nick alice", {true, true, true}, false},
      {1, "/nick bob", {true, true, true}, false},
      {2, "/nick carol", {true, true, true}, false},
      {0, "hello everyone!", {false, true, true}, false},
      {1, "hi alice, hi carol", {true, false, true}, false},
      {2, "hey! async_chat frames lines just like Python's asynchat", {true, true, false}, false},
      {1, "/quit", {true, true, true}, true},
      {0, "bye carol", {false, false, true}, false},
      {0, "/quit", {true, false, true}, true},
      {2, "/quit", {false, false, true}, true},
  };
  for (const step& s : script) {
    if (s.line) {
      who[s.client]->send_line(s.line);
    } else {
      std::printf("%-6s .. connects\n", s.client == 0 ? "alice" : s.client == 1 ? "bob" : "carol");
      who[s.client]->start(where);
    }
    for (int i = 0; i < 3; ++i) expected[i] += s.to[i] ? 1 : 0;
    gone[s.client] = gone[s.client] || s.quits;
    if (!settle()) {
      std::fprintf(stderr, "chat_server --demo: the exchange stalled\n");
      return 1;
    }
  }
  server.close();
  // Everybody said /quit: the sessions close after their goodbye, and the
  // clients see the end of the stream. The map empties by itself.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!map.empty() && std::chrono::steady_clock::now() < deadline) asyncore::loop(0.1, true, &map, 1);
  if (!map.empty()) {
    std::fprintf(stderr, "chat_server --demo: channels still open at the end\n");
    return 1;
  }
  std::printf("\ndemo finished: %zu + %zu + %zu lines received\n", alice.received, bob.received, carol.received);
  return 0;
}

int serve(asyncore::backend be, const std::string& host, std::uint16_t port) {
  // The library never touches signal handlers; the program owns them.
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  asyncore::socket_map map;
  std::error_code ec;
  chat_server server(asyncore::address(host, port), &map, ec);
  if (ec) {
    std::fprintf(stderr, "chat_server: %s\n", asyncore::error_text(ec).c_str());
    return 1;
  }
  std::printf("listening on %s (%s); try: bash -c 'exec 3<>/dev/tcp/%s/%u; cat <&3 & cat >&3'\n",
              server.socket().getsockname(ec).to_string().c_str(), asyncore::backend_name(be), host.c_str(),
              unsigned{server.port()});
  std::fflush(stdout);
  // Short iterations, so a signal is noticed within 0.2 s.
  while (!g_stop && !map.empty()) {
    asyncore::loop(0.2, be, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "chat_server: %s\n", asyncore::error_text(ec).c_str());
      return 1;
    }
  }
  asyncore::close_all(&map);
  std::printf("stopped\n");
  return 0;
}

const char usage[] =
    "usage: chat_server --demo\n"
    "       chat_server [--select | --poll | --epoll] [--bind ADDRESS] [port]\n"
    "       chat_server --help\n"
    "\n"
    "A chat server on async_chat: each line a client sends goes to the others.\n"
    "  --demo                      run a scripted exchange between three clients\n"
    "                              in this process, then exit\n"
    "  [port]                      serve on 127.0.0.1:<port> (default 8023; 0 picks\n"
    "                              a free port and prints it) until SIGTERM/SIGINT\n"
    "  --select, --poll, --epoll   the loop's backend (default: poll)\n"
    "  --bind ADDRESS              serve on this numeric address (default 127.0.0.1)\n"
    "  -h, --help                  this text\n"
    "Client: bash -c 'exec 3<>/dev/tcp/127.0.0.1/8023; cat <&3 & cat >&3'\n"
    "  (or nc/telnet where installed); /nick NAME renames, /quit leaves.\n"
    "Exit status: 0 done or stopped by a signal; 1 the demo stalled, or cannot\n"
    "listen, or the loop failed; 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--demo")) {
      if (argc != 2) return cli.usage_error("--demo takes no other arguments");
      return run_demo();
    }
  }
  asyncore::backend be = asyncore::backend::poll;
  std::uint16_t port = 8023;
  std::string host = "127.0.0.1";
  if (int rc = example_cli::parse_server_args(cli, argc, argv, be, port, &host)) return rc;
  return serve(be, host, port);
}
