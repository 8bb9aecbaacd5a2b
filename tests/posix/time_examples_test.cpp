// SPDX-License-Identifier: MIT
// The examples that use timers and threads, run as processes against real
// sockets on loopback: echo_server --idle-timeout, reconnecting_client and
// gui_thread. Every wait is on something a program printed or a socket
// event, bounded by a deadline; none sleeps.
#include <asyncore/asyncore.hpp>

#include "process.hpp"
#include "support.hpp"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace asyncore_test;
using clock_type = std::chrono::steady_clock;

#ifdef ASYNCORE_EXAMPLES_DIR
const std::string examples_dir = ASYNCORE_EXAMPLES_DIR;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Waits (bounded) for a program's output to contain `what` (at `from` or
// later).
bool wait_for_text(output_reader& out, const std::string& what, asyncore::socket_map& map, double seconds,
                   std::size_t from = 0) {
  auto seen = [&] { return out.text.find(what, from) != std::string::npos; };
  return loop_until([&] { return seen() || out.eof; }, map, backend::poll, seconds) && seen();
}

// Waits for "listening on 127.0.0.1:PORT" and returns PORT (0: not seen).
std::uint16_t listening_port(output_reader& out, asyncore::socket_map& map) {
  if (!wait_for_text(out, "\n", map, 10)) return 0;
  const std::size_t colon = out.text.find("127.0.0.1:");
  if (colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoul(out.text.substr(colon + 10)));
}

// Stops a server example with SIGTERM: true when it said "stopped" and
// exited with status 0 within the bound.
bool stop_server(child& server, output_reader& out, asyncore::socket_map& map) {
  if (!stop_child(server, out, map)) return false;
  return server.wait() == 0 && out.text.find("stopped") != std::string::npos;
}

// A client channel that records what happens to it.
struct peer : asyncore::dispatcher {
  explicit peer(asyncore::socket_map* m) : dispatcher(m) {}
  std::string got, pending;
  bool closed = false;
  bool close_on_connect = false;
  clock_type::time_point started = clock_type::now(), closed_at;
  std::uint16_t local_port = 0;

  bool start(std::uint16_t port) {
    std::error_code ec;
    started = clock_type::now();
    create_socket(family::inet, asyncore::socket_type::stream, ec);
    if (!ec) connect(address("127.0.0.1", port), ec);
    if (!ec) local_port = socket().getsockname(ec).port();
    EXPECT_FALSE(ec) << ec.message();
    return !ec;
  }
  bool writable() override { return connecting || !pending.empty(); }
  void handle_connect() override {
    if (close_on_connect) close();
  }
  void handle_write() override {
    std::error_code ec;
    pending.erase(0, send(pending, ec));
  }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    got.append(buf, recv(buf, sizeof buf, ec));
  }
  void handle_close() override {
    closed = true;
    closed_at = clock_type::now();
    close();
  }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "client error: " << c.what;
    handle_close();
  }
};

std::string idle_line(std::uint16_t port) { return "idle 127.0.0.1:" + std::to_string(port) + " closed"; }
#endif

TEST(TimeExamples, help) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  for (const char* name : {"reconnecting_client", "gui_thread"}) {
    child c;
    ASSERT_TRUE(c.start({examples_dir + "/" + name, "--help"}));
    asyncore::socket_map map;
    std::error_code ec;
    output_reader out(c.out, &map, ec);
    ASSERT_FALSE(ec);
    EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 10)) << name;
    EXPECT_EQ(c.wait(), 0) << name;
    EXPECT_EQ(out.text.rfind("usage:", 0), 0u) << name << ": " << out.text;
  }
#endif
}

// A connection that stays silent for the timeout is closed by the server,
// one that talks at half the timeout is not (until it stops talking), and
// one that closes first leaves no timer behind.
TEST(TimeExamples, echo_server_idle_timeout) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  const double timeout = 1.0;
  child server;
  ASSERT_TRUE(server.start({examples_dir + "/echo_server", "--poll", "--idle-timeout", "1", "0"}));
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(server.out, &map, ec);
  ASSERT_FALSE(ec);
  const std::uint16_t port = listening_port(out, map);
  ASSERT_NE(port, 0) << out.text;

  peer quitter(&map), silent(&map), talker(&map);
  quitter.close_on_connect = true;
  ASSERT_TRUE(quitter.start(port));
  ASSERT_TRUE(silent.start(port));
  ASSERT_TRUE(talker.start(port));
  int pings = 0;
  clock_type::time_point last_ping = clock_type::now();
  asyncore::timer ping = asyncore::call_every(timeout / 2, [&] {
    talker.pending += "ping\n";
    ++pings;
    last_ping = clock_type::now();
  }, &map);

  // The silent one: closed after the timeout, not before.
  ASSERT_TRUE(loop_until([&] { return silent.closed; }, map, backend::poll, timeout + 5)) << out.text;
  EXPECT_GE(std::chrono::duration<double>(silent.closed_at - silent.started).count(), timeout * 0.9);
  EXPECT_TRUE(silent.got.empty());

  // The talker: still open three timeouts later, every ping echoed.
  const auto talk_until = clock_type::now() + std::chrono::duration<double>(3 * timeout);
  loop_until([&] { return talker.closed || clock_type::now() >= talk_until; }, map, backend::poll, 4 * timeout + 5);
  EXPECT_FALSE(talker.closed) << "closed while talking; server said: " << out.text;
  EXPECT_GE(pings, 6);

  // Silent from now on: closed in its turn, the timeout after its last ping.
  ping.cancel();
  ASSERT_TRUE(loop_until([&] { return talker.closed; }, map, backend::poll, timeout + 5)) << out.text;
  EXPECT_GE(std::chrono::duration<double>(talker.closed_at - last_ping).count(), timeout * 0.9);
  EXPECT_EQ(count_of(talker.got, "ping\n"), static_cast<std::size_t>(pings));

  // The server's account: both idle closes, none for the one that left first
  // (its timer died with its channel, a timeout ago and more).
  EXPECT_TRUE(wait_for_text(out, idle_line(talker.local_port), map, 10)) << out.text;
  EXPECT_NE(out.text.find(idle_line(silent.local_port)), std::string::npos) << out.text;
  EXPECT_EQ(out.text.find(idle_line(quitter.local_port)), std::string::npos) << out.text;
  EXPECT_EQ(count_of(out.text, "idle "), 2u) << out.text;
  EXPECT_TRUE(stop_server(server, out, map)) << out.text;
  asyncore::close_all(&map, true);
#endif
}

// The "retrying in X s" delays, in order.
std::vector<double> retry_delays(const std::string& text) {
  std::vector<double> v;
  const std::string key = "retrying in ";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1))
    v.push_back(std::strtod(text.c_str() + at + key.size(), nullptr));
  return v;
}

// Connected; the server goes away: disconnected, retries with a doubling
// delay; the server comes back on the same port: connected again, and the
// delay starts from the shortest once more.
TEST(TimeExamples, reconnecting_client) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  asyncore::socket_map map;
  std::error_code ec;
  auto server = std::make_unique<child>();
  ASSERT_TRUE(server->start({examples_dir + "/echo_server", "--poll", "0"}));
  auto server_out = std::make_unique<output_reader>(server->out, &map, ec);
  ASSERT_FALSE(ec);
  const std::uint16_t port = listening_port(*server_out, map);
  ASSERT_NE(port, 0) << server_out->text;
  const std::string port_s = std::to_string(port);

  // By name: "localhost", resolved to IPv4 (the server listens on 127.0.0.1).
  child client;
  ASSERT_TRUE(client.start(
      {examples_dir + "/reconnecting_client", "-4", "--connect-timeout", "0.3", "localhost", port_s}));
  output_reader out(client.out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(wait_for_text(out, "echo: hello 1\n", map, 10)) << out.text;
  EXPECT_EQ(out.text.rfind("connecting to localhost:" + port_s + "\nconnected to 127.0.0.1:" + port_s + "\n", 0), 0u)
      << out.text;
  // The connect timeout was cancelled by the connect: still connected well
  // after it would have fired.
  const auto hold_until = clock_type::now() + std::chrono::duration<double>(1.0);
  auto lost = [&] { return out.eof || out.text.find("disconnected") != std::string::npos; };
  loop_until([&] { return lost() || clock_type::now() >= hold_until; }, map, backend::poll, 10);
  ASSERT_EQ(out.text.find("disconnected"), std::string::npos) << out.text;

  // The server goes away; the client retries 0.1 s, 0.2 s, 0.4 s later.
  ASSERT_TRUE(stop_server(*server, *server_out, map)) << server_out->text;
  ASSERT_TRUE(wait_for_text(out, "disconnected, retrying in 0.1 s (end of stream)\n", map, 10)) << out.text;
  ASSERT_TRUE(wait_for_text(out, "retrying in 0.4 s", map, 10)) << out.text;

  // It comes back on the same port.
  server_out->close();
  server_out.reset();
  server = std::make_unique<child>();
  ASSERT_TRUE(server->start({examples_dir + "/echo_server", "--poll", port_s}));
  server_out = std::make_unique<output_reader>(server->out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(listening_port(*server_out, map), port) << server_out->text;
  ASSERT_TRUE(wait_for_text(out, "echo: hello 2\n", map, 15)) << out.text;
  EXPECT_EQ(count_of(out.text, "\nconnected to 127.0.0.1:" + port_s + "\n"), 2u) << out.text;

  // Down again: the delay starts from 0.1 s (reset by the connect).
  const std::size_t before = out.text.size();
  ASSERT_TRUE(stop_server(*server, *server_out, map)) << server_out->text;
  ASSERT_TRUE(wait_for_text(out, "retrying in 0.2 s", map, 10, before)) << out.text;
  EXPECT_NE(out.text.find("disconnected, retrying in 0.1 s (end of stream)\n", before), std::string::npos)
      << out.text;

  // Every delay doubled the one before, from 0.1 s, up to the reconnect.
  const std::vector<double> delays = retry_delays(out.text);
  ASSERT_GE(delays.size(), 5u) << out.text;
  double want = 0.1;
  for (double d : delays) {
    if (d == 0.1) want = 0.1;  // a connect came in between
    EXPECT_NEAR(d, want, 1e-9) << out.text;
    want = want * 2 > 5 ? 5 : want * 2;
  }

  ::kill(client.pid, SIGTERM);
  EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 10));
  EXPECT_EQ(client.wait(), 0);
  EXPECT_NE(out.text.find("stopped\n"), std::string::npos) << out.text;
  asyncore::close_all(&map, true);
#endif
}

// A server that does not answer: its listen queue is full (backlog 0 and one
// connection nobody accepts), so a new connect is neither accepted nor
// refused (Linux drops the SYN). The connect timeout ends each attempt, and
// the delays still double.
TEST(TimeExamples, reconnecting_client_connect_timeout) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#elif !defined(__linux__)
  GTEST_SKIP() << "relies on Linux dropping a SYN to a full listen queue";
#else
  asyncore::socket_map map;
  std::error_code ec;
  struct deaf_listener : asyncore::dispatcher {
    using dispatcher::dispatcher;
    bool readable() override { return false; }  // never accepts
    bool writable() override { return false; }
  } listener(&map);
  listener.create_socket(family::inet, asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  listener.bind(address("127.0.0.1", 0), ec);
  ASSERT_FALSE(ec) << ec.message();
  listener.listen(0, ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::uint16_t port = listener.socket().getsockname(ec).port();
  peer filler(&map);
  ASSERT_TRUE(filler.start(port));
  ASSERT_TRUE(loop_until([&] { return filler.connected || filler.closed; }, map, backend::poll, 10));
  ASSERT_TRUE(filler.connected);

  child client;
  const auto started = clock_type::now();
  ASSERT_TRUE(client.start({examples_dir + "/reconnecting_client", "--connect-timeout", "0.3", "127.0.0.1",
                            std::to_string(port)}));
  output_reader out(client.out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(wait_for_text(out, "disconnected, retrying in 0.1 s (connect timed out)\n", map, 10)) << out.text;
  EXPECT_GE(std::chrono::duration<double>(clock_type::now() - started).count(), 0.3 * 0.9);
  ASSERT_TRUE(wait_for_text(out, "disconnected, retrying in 0.2 s (connect timed out)\n", map, 10)) << out.text;
  EXPECT_EQ(out.text.find("connected to"), std::string::npos) << out.text;

  ::kill(client.pid, SIGTERM);
  EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 10));
  EXPECT_EQ(client.wait(), 0);
  asyncore::close_all(&map, true);
#endif
}

// Three lines in, three echoes out through the two threads, then end of
// input: a clean exit.
TEST(TimeExamples, gui_thread) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  asyncore::socket_map map;
  std::error_code ec;
  child server;
  ASSERT_TRUE(server.start({examples_dir + "/echo_server", "--poll", "0"}));
  output_reader server_out(server.out, &map, ec);
  ASSERT_FALSE(ec);
  const std::uint16_t port = listening_port(server_out, map);
  ASSERT_NE(port, 0) << server_out.text;

  child gui;
  ASSERT_TRUE(gui.start({examples_dir + "/gui_thread", "127.0.0.1", std::to_string(port)}));
  output_reader out(gui.out, &map, ec);
  ASSERT_FALSE(ec);
  const std::string lines = "one\ntwo\nthree\n";
  ASSERT_EQ(::write(gui.in, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  ASSERT_TRUE(wait_for_text(out, "reply: three\n", map, 10)) << out.text;
  EXPECT_NE(out.text.find("connected to 127.0.0.1:" + std::to_string(port) + "\n"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("reply: one\nreply: two\nreply: three\n"), std::string::npos) << out.text;
  EXPECT_FALSE(out.eof);

  ::close(gui.in);
  gui.in = -1;
  ASSERT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 10)) << out.text;
  EXPECT_EQ(gui.wait(), 0) << out.text;
  EXPECT_EQ(out.text.substr(out.text.size() - 4), "bye\n") << out.text;
  EXPECT_TRUE(stop_server(server, server_out, map)) << server_out.text;
  asyncore::close_all(&map, true);
#endif
}

// The server goes away first: the network thread's loop ends, the main
// thread notices, and the program exits with status 1 while its input is
// still open.
TEST(TimeExamples, gui_thread_server_goes_away) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  asyncore::socket_map map;
  std::error_code ec;
  child server;
  ASSERT_TRUE(server.start({examples_dir + "/echo_server", "--poll", "0"}));
  output_reader server_out(server.out, &map, ec);
  ASSERT_FALSE(ec);
  const std::uint16_t port = listening_port(server_out, map);
  ASSERT_NE(port, 0) << server_out.text;

  child gui;
  ASSERT_TRUE(gui.start({examples_dir + "/gui_thread", "127.0.0.1", std::to_string(port)}));
  output_reader out(gui.out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(::write(gui.in, "ping\n", 5), 5);
  ASSERT_TRUE(wait_for_text(out, "reply: ping\n", map, 10)) << out.text;
  EXPECT_TRUE(stop_server(server, server_out, map)) << server_out.text;
  ASSERT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 10)) << out.text;
  EXPECT_EQ(gui.wait(), 1) << out.text;
  EXPECT_NE(out.text.find("the server closed the connection\nnetwork thread ended\nbye\n"), std::string::npos)
      << out.text;
  asyncore::close_all(&map, true);
#endif
}

}  // namespace
