// SPDX-License-Identifier: MIT
// A client that stays connected: connect timeout, reconnect with exponential
// backoff, all with the loop's timers.
//
//     reconnecting_client [-4 | -6] [--connect-timeout SECONDS] HOST PORT
//     reconnecting_client --help
//
// Resolves HOST (a name or an address; -4/-6 restrict the family), connects
// to HOST:PORT and, on every connection, sends one line ("hello N", N counting
// the connections) and prints what comes back. When the connection is lost,
// cannot be made, or is not made within the connect timeout (default 3 s), it
// tries again after a delay that starts at 0.1 s and doubles up to 5 s; a
// successful connect resets it. One line per state change on stdout:
//
//     connecting to localhost:8007
//     connected to 127.0.0.1:8007
//     echo: hello 1
//     disconnected, retrying in 0.1 s (end of stream)
//     connecting to localhost:8007
//     disconnected, retrying in 0.2 s (Connection refused)
//     ...
//
// Runs until SIGTERM or SIGINT ("stopped", status 0). Try it against the echo
// server, stopping and restarting that:
//
//     echo_server 8007 &   reconnecting_client localhost 8007
//
// What it shows:
//  - a channel timer as a connect timeout: started with connect(), cancelled
//    in handle_connect(); close() cancels it too, so it never fires on a
//    channel that already failed;
//  - a map timer (asyncore::call_later) for the retry, which lives while no
//    channel does (the loop runs while timers remain);
//  - a fresh channel per attempt (make_owned: the map frees the old one).
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// Name resolution with the result delivered in the loop, as a callback.
class client;

// One connection attempt and, if it succeeds, the connection. Lines in,
// framed by async_chat.
class connection : public asyncore::async_chat {
 public:
  connection(asyncore::socket_map* map, client* owner) : async_chat(map), owner_(owner) { set_terminator("\n"); }

  void start(const asyncore::address& a, double connect_timeout, std::error_code& ec);

  void handle_connect() override;
  void collect_incoming_data(std::string_view data) override { line_.append(data); }
  void found_terminator() override {
    std::printf("echo: %s\n", line_.c_str());
    std::fflush(stdout);
    line_.clear();
  }
  void handle_close() override { lost("end of stream"); }
  void handle_error(const asyncore::error_cause& cause) override {
    lost(cause.code ? asyncore::error_text(cause.code) : cause.what);
  }
  std::string_view type_name() const override { return "connection"; }

 private:
  void lost(const std::string& why);

  client* owner_;
  asyncore::timer connect_timer_;
  std::string line_;
};

class client {
 public:
  client(asyncore::socket_map* map, std::string host, std::uint16_t port, asyncore::family f, double connect_timeout)
      : map_(map), host_(std::move(host)), port_(port), family_(f), connect_timeout_(connect_timeout) {}

  void connect() {
    std::printf("connecting to %s:%u\n", host_.c_str(), static_cast<unsigned>(port_));
    std::fflush(stdout);
    asyncore::resolve(  // on a worker thread: the loop never blocks on the resolver
        host_, port_,
        [this](const std::error_code& ec, const asyncore::address& a) {
          if (ec) {
            retry("cannot resolve " + host_ + ": " + asyncore::error_text(ec));
            return;
          }
          std::error_code ec2;
          connection* c = asyncore::make_owned<connection>(map_, this);
          c->start(a, connect_timeout_, ec2);
          if (ec2) {
            c->close();
            retry(asyncore::error_text(ec2));
          }
        },
        map_, family_);
  }

  // The connection is up: the next failure starts from the shortest delay.
  void connected(connection& c) {
    backoff_ = initial_backoff;
    ++connections_;
    std::printf("connected to %s\n", c.addr.to_string().c_str());
    std::fflush(stdout);
    c.push("hello " + std::to_string(connections_) + "\n");
  }

  // The attempt failed or the connection ended (the channel has closed).
  void retry(const std::string& why) {
    std::printf("disconnected, retrying in %g s (%s)\n", backoff_, why.c_str());
    std::fflush(stdout);
    asyncore::call_later(backoff_, [this] { connect(); }, map_);
    backoff_ = std::min(backoff_ * 2, max_backoff);
  }

 private:
  static constexpr double initial_backoff = 0.1;
  static constexpr double max_backoff = 5.0;

  asyncore::socket_map* map_;
  std::string host_;
  std::uint16_t port_;
  asyncore::family family_;
  double connect_timeout_;
  double backoff_ = initial_backoff;
  unsigned connections_ = 0;
};

void connection::start(const asyncore::address& a, double connect_timeout, std::error_code& ec) {
  create_socket(a.get_family(), asyncore::socket_type::stream, ec);
  if (ec) return;
  // Armed before connect(): a connect that completes at once cancels it in
  // handle_connect. Our own timer: close() cancels it as well.
  connect_timer_ = call_later(connect_timeout, [this] { lost("connect timed out"); });
  connect(a, ec);
}

void connection::handle_connect() {
  connect_timer_.cancel();
  owner_->connected(*this);
}

void connection::lost(const std::string& why) {
  close();  // cancels connect_timer_; the map frees this channel later
  owner_->retry(why);
}

int usage(const char* argv0, std::FILE* to, int status) {
  std::fprintf(to, "usage: %s [-4 | -6] [--connect-timeout SECONDS] HOST PORT\n", argv0);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  asyncore::family f = asyncore::family::unspec;
  double connect_timeout = 3.0;
  const char* host = nullptr;
  const char* port = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      return usage(argv[0], stdout, 0);
    } else if (!std::strcmp(argv[i], "-4")) {
      f = asyncore::family::inet;
    } else if (!std::strcmp(argv[i], "-6")) {
      f = asyncore::family::inet6;
    } else if (!std::strcmp(argv[i], "--connect-timeout") && i + 1 < argc) {
      connect_timeout = std::strtod(argv[++i], nullptr);
    } else if (!host) {
      host = argv[i];
    } else if (!port) {
      port = argv[i];
    } else {
      return usage(argv[0], stderr, 2);
    }
  }
  char* end = nullptr;
  const unsigned long p = port ? std::strtoul(port, &end, 10) : 0;
  if (!host || !port || *end || p == 0 || p > 65535 || !(connect_timeout > 0)) return usage(argv[0], stderr, 2);

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  asyncore::socket_map map;
  client c(&map, host, static_cast<std::uint16_t>(p), f, connect_timeout);
  c.connect();
  // There is always a channel or a retry timer, so the loop has work; short
  // iterations so that a signal is noticed within 0.2 s.
  std::error_code ec;
  while (!g_stop) {
    asyncore::loop(0.2, asyncore::backend::poll, &map, 1, ec);
    if (ec) {
      std::fprintf(stderr, "reconnecting_client: %s\n", asyncore::error_text(ec).c_str());
      return 1;
    }
  }
  asyncore::close_all(&map, true);
  std::printf("stopped\n");
  return 0;
}
