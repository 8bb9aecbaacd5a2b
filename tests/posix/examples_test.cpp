// SPDX-License-Identifier: MIT
// The examples, run as a user runs them: as processes, talking to real
// sockets on loopback. POSIX only (posix_spawn and signals).
#include <asyncore/asyncore.hpp>
#include <asyncore/file_dispatcher.hpp>

#include "process.hpp"
#include "support.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace asyncore_test;

#ifdef ASYNCORE_EXAMPLES_DIR
const std::string examples_dir = ASYNCORE_EXAMPLES_DIR;
#endif

void raise_descriptor_limit(rlim_t want) {
  struct rlimit r {};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = r.rlim_max < want ? r.rlim_max : want;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

// One echo client: sends its payload in pieces and checks every byte back.
struct echo_client : asyncore::dispatcher {
  echo_client(asyncore::socket_map* m, std::string payload) : dispatcher(m), payload_(std::move(payload)) {}
  std::string payload_, got;
  std::size_t sent = 0;
  bool done = false, failed = false;
  bool writable() override { return connecting || sent < payload_.size(); }
  void handle_connect() override {}
  void handle_write() override {
    std::error_code ec;
    sent += send(payload_.data() + sent, payload_.size() - sent, ec);
    if (ec) failed = true;
  }
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    got.append(buf, recv(buf, sizeof buf, ec));
    if (got.size() >= payload_.size()) {
      done = true;
      failed = failed || got != payload_;
      close();
    }
  }
  void handle_close() override {
    if (!done) failed = true;
    close();
  }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "client error: " << c.what;
    failed = true;
    close();
  }
};

TEST(Examples, echo_server_1100_connections) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  raise_descriptor_limit(4096);
  struct rlimit r {};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < 2100) GTEST_SKIP() << "descriptor limit too low for 1100 connections";

  child server;
  ASSERT_TRUE(server.start({examples_dir + "/echo_server", "--poll", "0"}));
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(server.out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(loop_until([&] { return out.text.find('\n') != std::string::npos || out.eof; }, map, backend::poll, 10));
  // "listening on 127.0.0.1:PORT (poll)"
  std::size_t colon = out.text.find("127.0.0.1:");
  ASSERT_NE(colon, std::string::npos) << out.text;
  std::uint16_t port = static_cast<std::uint16_t>(std::stoul(out.text.substr(colon + 10)));

  // A client that resets its connection does not disturb the server.
  {
    asyncore::socket s = asyncore::socket::open(family::inet, asyncore::socket_type::stream, ec);
    s.setsockopt(asyncore::sockopt::linger, 0, ec);
    s.connect(address("127.0.0.1", port), ec);
  }

  std::mt19937 rng(1234);
  std::vector<std::unique_ptr<echo_client>> clients;
  for (int i = 0; i < 1100; ++i) {  // more than select's 1024
    std::string payload(1024 + rng() % 4096, '\0');
    for (char& c : payload) c = static_cast<char>(rng());  // binary, zeros included
    clients.push_back(std::make_unique<echo_client>(&map, std::move(payload)));
    clients.back()->create_socket(family::inet, asyncore::socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    clients.back()->connect(address("127.0.0.1", port), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  std::size_t open_at_peak = map.size();
  EXPECT_GE(open_at_peak, 1100u);
  auto all_done = [&] {
    for (auto& c : clients)
      if (!c->done && !c->failed) return false;
    return true;
  };
  EXPECT_TRUE(loop_until(all_done, map, backend::poll, 60));
  int ok = 0;
  for (auto& c : clients) ok += c->done && !c->failed;
  EXPECT_EQ(ok, 1100);

  EXPECT_TRUE(stop_child(server, out, map));
  EXPECT_NE(out.text.find("stopped"), std::string::npos);
  EXPECT_EQ(server.wait(), 0);
  asyncore::close_all(&map, true);
#endif
}

TEST(Examples, http_client) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  asyncore::socket_map map;
  std::string request;
  struct responder : asyncore::dispatcher_with_send {
    responder(asyncore::socket s, asyncore::socket_map* m, std::string* req, std::error_code& ec)
        : dispatcher_with_send(std::move(s), m, ec), req_(req) {}
    std::string* req_;
    void handle_read() override {
      char buf[1024];
      std::error_code ec;
      req_->append(buf, recv(buf, sizeof buf, ec));
      if (req_->find("\r\n\r\n") != std::string::npos && !answered_) {
        answered_ = true;
        send(std::string_view("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from the test server\n"));
      }
    }
    bool writable() override { return dispatcher_with_send::writable() || answered_; }
    void handle_write() override {
      dispatcher_with_send::handle_write();
      if (answered_ && out_buffer_size() == 0) close();
    }
    void handle_close() override { close(); }
    bool answered_ = false;
  };
  base_server server(&map, address("127.0.0.1", 0), [&](asyncore::socket s, asyncore::socket_map* m) {
    std::error_code ec;
    asyncore::make_owned<responder>(std::move(s), m, &request, ec);
  });
  std::uint16_t port = server.address_().port();
  child c;
  ASSERT_TRUE(c.start({examples_dir + "/http_client", "127.0.0.1", std::to_string(port), "/index.txt"}));
  std::error_code ec;
  output_reader out(c.out, &map, ec);
  EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 20));
  EXPECT_EQ(c.wait(), 0);
  EXPECT_EQ(request.rfind("GET /index.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", 0), 0u) << request;
  EXPECT_NE(out.text.find("hello from the test server"), std::string::npos) << out.text;
  asyncore::close_all(&map, true);
#endif
}

TEST(Examples, file_reader) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  child c;
  ASSERT_TRUE(c.start({examples_dir + "/file_reader"}));
  const std::string text = "spam, spam, eggs and spam\n";
  ASSERT_EQ(::write(c.in, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(c.in);
  c.in = -1;
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(c.out, &map, ec);
  EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 20));
  EXPECT_EQ(c.wait(), 0);
  EXPECT_EQ(out.text, text);
#endif
}

}  // namespace

namespace {

TEST(Examples, chat_server_demo) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  child demo;
  ASSERT_TRUE(demo.start({examples_dir + "/chat_server", "--demo"}));
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(demo.out, &map, ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(loop_until([&] { return out.eof; }, map, backend::poll, 30));
  EXPECT_EQ(demo.wait(), 0) << out.text;
  EXPECT_NE(out.text.find("bob    <- <alice> hello everyone!"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("demo finished"), std::string::npos) << out.text;
  asyncore::close_all(&map, true);
#endif
}

// A line-echo client: sends lines in odd pieces, expects them back whole.
struct line_client : asyncore::dispatcher {
  line_client(asyncore::socket_map* m, std::string payload) : dispatcher(m), payload_(std::move(payload)) {}
  std::string payload_, got;
  std::size_t sent = 0;
  bool writable() override { return connecting || sent < payload_.size(); }
  void handle_connect() override {}
  void handle_write() override {
    std::error_code ec;
    sent += send(payload_.data() + sent, std::min<std::size_t>(7, payload_.size() - sent), ec);
  }
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    got.append(buf, recv(buf, sizeof buf, ec));
    if (got.size() >= payload_.size()) close();
  }
  void handle_close() override { close(); }
};

TEST(Examples, line_echo_server) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  child server;
  ASSERT_TRUE(server.start({examples_dir + "/line_echo_server", "--select", "0"}));
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(server.out, &map, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(loop_until([&] { return out.text.find('\n') != std::string::npos || out.eof; }, map, backend::poll, 10));
  std::size_t colon = out.text.find("127.0.0.1:");
  ASSERT_NE(colon, std::string::npos) << out.text;
  const std::uint16_t port = static_cast<std::uint16_t>(std::stoul(out.text.substr(colon + 10)));
  line_client c(&map, "hello\r\nworld\n\nline three\n");
  c.create_socket(family::inet, asyncore::socket_type::stream, ec);
  c.connect(address("127.0.0.1", port), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(loop_until([&] { return !c.registered(); }, map, backend::poll, 10));
  EXPECT_EQ(c.got, "hello\r\nworld\n\nline three\n");
  EXPECT_TRUE(stop_child(server, out, map));
  EXPECT_NE(out.text.find("stopped"), std::string::npos);
  EXPECT_EQ(server.wait(), 0);
  asyncore::close_all(&map, true);
#endif
}

}  // namespace

// -- command lines: --help, -h and bad arguments, for every example -------------
//
// examples/cli.hpp: --help/-h print the usage on stdout and exit 0 (a server
// does not start); a bad argument prints "<name>: <why>" and the synopsis on
// stderr and exits 2, with nothing on stdout.
namespace {

struct run_result {
  int status = -1;
  std::string out, err;
  bool finished = false;
};

// Runs an example with stdin at end of file, collects stdout and stderr, and
// waits (at most 20 s) for both to close; a program still running then is
// killed and reported as not finished.
run_result run_example(const std::string& name, const std::vector<std::string>& args) {
  run_result r;
#ifdef ASYNCORE_EXAMPLES_DIR
  std::vector<std::string> argv{examples_dir + "/" + name};
  argv.insert(argv.end(), args.begin(), args.end());
  child c;
  if (!c.start(argv, true)) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return r;
  }
  ::close(c.in);
  c.in = -1;
  asyncore::socket_map map;
  std::error_code ec;
  output_reader out(c.out, &map, ec);
  EXPECT_FALSE(ec) << ec.message();
  output_reader err(c.err, &map, ec);
  EXPECT_FALSE(ec) << ec.message();
  r.finished = loop_until([&] { return out.eof && err.eof; }, map, backend::poll, 20);
  if (!r.finished) ::kill(c.pid, SIGKILL);
  r.status = c.wait();
  r.out = out.text;
  r.err = err.text;
  asyncore::close_all(&map, true);
#else
  (void)name;
  (void)args;
#endif
  return r;
}

std::string describe(const std::string& name, const std::vector<std::string>& args, const run_result& r) {
  std::string cmd = name;
  for (const std::string& a : args) cmd += " '" + a + "'";
  return cmd + ": status " + std::to_string(r.status) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

void expect_help(const std::string& name, const std::string& flag) {
  const run_result r = run_example(name, {flag});
  const std::string what = describe(name, {flag}, r);
  EXPECT_TRUE(r.finished) << what;
  EXPECT_EQ(r.status, 0) << what;
  EXPECT_EQ(r.out.rfind("usage: " + name, 0), 0u) << what;
  EXPECT_NE(r.out.find("Exit status"), std::string::npos) << what;  // the codes are documented
  EXPECT_NE(r.out.find("--help"), std::string::npos) << what;
  EXPECT_EQ(r.err, "") << what;
}

void expect_usage_error(const std::string& name, const std::vector<std::string>& args, const std::string& why) {
  const run_result r = run_example(name, args);
  const std::string what = describe(name, args, r);
  EXPECT_TRUE(r.finished) << what;
  EXPECT_EQ(r.status, 2) << what;
  EXPECT_EQ(r.out, "") << what;
  EXPECT_EQ(r.err.rfind(name + ": ", 0), 0u) << what;  // "<name>: <why>" first
  EXPECT_NE(r.err.find(why), std::string::npos) << what;
  EXPECT_NE(r.err.find("usage: " + name), std::string::npos) << what;
  EXPECT_NE(r.err.find("--help"), std::string::npos) << what;
}

// The examples this build has (file_reader is POSIX-only, and every one of
// them exists in a POSIX build).
const char* const all_examples[] = {"echo_server", "line_echo_server", "chat_server", "http_client", "file_reader"};

TEST(Examples, help_prints_usage_and_exits_0) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  for (const char* name : all_examples) {
    SCOPED_TRACE(name);
    expect_help(name, "--help");
    expect_help(name, "-h");
  }
  // --help wins wherever it is, even after arguments that would start a server.
  const run_result r = run_example("echo_server", {"--poll", "0", "--help"});
  EXPECT_EQ(r.status, 0) << describe("echo_server", {"--poll", "0", "--help"}, r);
  EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
#endif
}

// --bind ADDRESS: the servers listen there instead of 127.0.0.1 (a board
// listens on its own address, ci/mps2-qemu); 127.0.0.2 is loopback on Linux.
TEST(Examples, servers_listen_on_the_bind_address) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  for (const char* name : {"echo_server", "line_echo_server", "chat_server"}) {
    SCOPED_TRACE(name);
    child server;
    ASSERT_TRUE(server.start({examples_dir + "/" + name, "--bind", "127.0.0.2", "0"}));
    asyncore::socket_map map;
    std::error_code ec;
    output_reader out(server.out, &map, ec);
    ASSERT_FALSE(ec);
    ASSERT_TRUE(loop_until([&] { return out.text.find('\n') != std::string::npos || out.eof; }, map, backend::poll, 10));
    EXPECT_EQ(out.text.rfind("listening on 127.0.0.2:", 0), 0u) << out.text;
    EXPECT_TRUE(stop_child(server, out, map));
    EXPECT_EQ(server.wait(), 0);
  }
#endif
}

TEST(Examples, bad_arguments_exit_2_with_usage_on_stderr) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  for (const char* server : {"echo_server", "line_echo_server", "chat_server"}) {
    SCOPED_TRACE(server);
    expect_usage_error(server, {"--bogus"}, "unknown option '--bogus'");
    expect_usage_error(server, {"70000"}, "'70000' is not a port number");
    expect_usage_error(server, {"80x"}, "'80x' is not a port number");
    expect_usage_error(server, {"--select", "1", "2"}, "unexpected argument '2'");
    expect_usage_error(server, {"--bind", "10.0.0.x"}, "--bind: '10.0.0.x' is not a numeric IPv4 or IPv6 address");
    expect_usage_error(server, {"--bind"}, "--bind takes an address");
  }
  expect_usage_error("chat_server", {"--demo", "8023"}, "--demo takes no other arguments");
  expect_usage_error("http_client", {}, "expected <host> <port> <path>, got 0 arguments");
  expect_usage_error("http_client", {"127.0.0.1", "80"}, "got 2 arguments");
  expect_usage_error("http_client", {"127.0.0.1", "http", "/"}, "'http' is not a port number");
  expect_usage_error("http_client", {"127.0.0.1", "0", "/"}, "'0' is not a port number");
  expect_usage_error("http_client", {"-v", "127.0.0.1", "80", "/"}, "unknown option '-v'");
  expect_usage_error("file_reader", {"input.txt"}, "unexpected argument 'input.txt'");
#endif
}

// http_client exits 1 when it cannot connect (a refused connection: a port
// that was just free on loopback).
TEST(Examples, http_client_connect_failure_exits_1) {
#ifndef ASYNCORE_EXAMPLES_DIR
  GTEST_SKIP() << "examples not built";
#else
  std::error_code ec;
  std::uint16_t port = 0;
  {
    asyncore::socket s = asyncore::socket::open(family::inet, asyncore::socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    s.bind(address("127.0.0.1", 0), ec);
    ASSERT_FALSE(ec) << ec.message();
    port = s.getsockname(ec).port();
  }  // closed, never listened on: connecting is refused
  const std::vector<std::string> args{"127.0.0.1", std::to_string(port), "/"};
  const run_result r = run_example("http_client", args);
  EXPECT_TRUE(r.finished) << describe("http_client", args, r);
  EXPECT_EQ(r.status, 1) << describe("http_client", args, r);
  EXPECT_EQ(r.out, "");  // stdout is for the response only
  EXPECT_EQ(r.err.rfind("http_client: ", 0), 0u) << r.err;
#endif
}

}  // namespace
