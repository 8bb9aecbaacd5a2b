// SPDX-License-Identifier: MIT
// TLS (issue 13) against real peers we did not write: Python's ssl module
// (tests/tls/peer.py) and the openssl command (s_server, s_client), with
// certificates made by the openssl command
// (tests/tls/make_certs.sh, at build time). Every test runs once per engine built
// (OpenSSL, mbedTLS); each wait is bounded by loop_until's deadline.
#include <asyncore/async_chat.hpp>
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include <gtest/gtest.h>

#include "posix/process.hpp"
#include "support.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace asyncore;
using asyncore_test::child;
using asyncore_test::loop_until;
using asyncore_test::output_reader;

namespace {

const std::string tls_dir = std::string(ASYNCORE_TEST_SOURCE_DIR) + "/tls";

// The certificates: made at build time by tests/tls/make_certs.sh into
// ASYNCORE_TEST_CERT_DIR (tests/CMakeLists.txt), the same set the pair
// tests use; empty when they are missing.
const std::string& certs() {
  static const std::string dir = [] {
    const std::string d = ASYNCORE_TEST_CERT_DIR;
    return ::access((d + "/ca.pem").c_str(), R_OK) == 0 ? d : std::string();
  }();
  return dir;
}
std::string cert(const std::string& name) { return certs() + "/" + name; }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A peer process whose stdout the loop reads; start() finds its port in
// "PORT n" (peer.py) or "127.0.0.1:n" (openssl's ACCEPT line, our examples).
struct peer {
  child proc;
  std::unique_ptr<output_reader> out;
  std::uint16_t port = 0;

  bool start(socket_map& map, const std::vector<std::string>& argv, bool want_port = true) {
    if (!proc.start(argv)) return false;
    std::error_code ec;
    out = std::make_unique<output_reader>(proc.out, &map, ec);
    if (ec) return false;
    if (!want_port) return true;
    const bool seen = loop_until(
        [&] {
          return out->eof || out->text.find("PORT ") != std::string::npos ||
                 out->text.find("127.0.0.1:") != std::string::npos;
        },
        map, backend::poll, 15);
    if (!seen) return false;
    std::size_t p = out->text.find("PORT ");
    if (p != std::string::npos) {
      p += 5;
    } else {
      p = out->text.find("127.0.0.1:");  // openssl's "ACCEPT 127.0.0.1:n", our examples' "listening on ..."
      if (p == std::string::npos) return false;
      p += 10;
    }
    port = static_cast<std::uint16_t>(std::strtoul(out->text.c_str() + p, nullptr, 10));
    return port != 0;
  }
  bool says(const std::string& s) const { return out && out->text.find(s) != std::string::npos; }
  int finish(socket_map& map) {
    if (proc.in >= 0) {
      ::close(proc.in);
      proc.in = -1;
    }
    loop_until([&] { return out->eof; }, map, backend::poll, 15);
    return proc.wait();
  }
};

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> python(std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/python3", tls_dir + "/peer.py"});
  return args;
}

// -- our side ------------------------------------------------------------------------

// A TLS client that sends `payload` in random pieces, reads the echo in
// random pieces and closes (close_notify) once it has it all.
struct echo_client : dispatcher {
  echo_client(socket_map* m, std::string payload, unsigned seed) : dispatcher(m), payload(std::move(payload)), rng(seed) {}
  std::string payload, got;
  std::size_t sent = 0;
  std::mt19937 rng;
  std::size_t max_read = 20000;  // each recv asks for 1..max_read bytes
  int reads = 0;
  bool connect_after_handshake = false, connected_hook = false, handshake_hook = false;
  bool done = false, closed_by_peer = false;
  error_cause error;
  bool failed = false;

  bool writable() override { return connecting || sent < payload.size(); }
  void handle_connect() override {
    connected_hook = true;
    connect_after_handshake = tls_established(*this);
  }
  void handle_tls_handshake() override { handshake_hook = true; }
  void handle_write() override {
    std::error_code ec;
    const std::size_t want = std::min<std::size_t>(payload.size() - sent, 1 + rng() % 20000);
    sent += send(payload.data() + sent, want, ec);
    if (ec) ADD_FAILURE() << "send: " << ec.message();
  }
  void handle_read() override {
    char buf[20000];
    std::error_code ec;
    ++reads;
    const std::size_t n = recv(buf, 1 + rng() % std::min(max_read, sizeof buf), ec);
    got.append(buf, n);
    if (!payload.empty() && got.size() >= payload.size()) {
      done = true;
      close();
    }
  }
  void handle_close() override {
    closed_by_peer = true;
    close();
  }
  void handle_error(const error_cause& c) override {
    error = c;
    failed = true;
    close();
  }
};

struct server_stats {
  int accepted = 0, handshakes = 0, closes = 0;
  std::map<std::string, int> errors;  // by code message
  std::vector<std::string> reasons;
  std::vector<dispatcher*> open;  // the live handlers
  std::vector<std::string> alpn;  // the protocol each handshake agreed on
};

// The echo handler of our server: dispatcher_with_send, unchanged, over TLS.
struct echo_handler : dispatcher_with_send {
  echo_handler(asyncore::socket sock, socket_map* m, server_stats& st, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), m, ec), stats(st) {
    stats.open.push_back(this);
  }
  ~echo_handler() override { stats.open.erase(std::find(stats.open.begin(), stats.open.end(), this)); }
  server_stats& stats;
  void handle_tls_handshake() override {
    ++stats.handshakes;
    stats.alpn.push_back(tls_alpn_protocol(*this));
  }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  void handle_close() override {
    ++stats.closes;
    close();
  }
  void handle_error(const error_cause& c) override {
    ++stats.errors[c.code.message()];
    stats.reasons.push_back(c.what);
    close();
  }
};

struct echo_server : dispatcher {
  echo_server(socket_map* m, tls_context& c, server_stats& st) : dispatcher(m), ctx(c), stats(st) {
    std::error_code ec;
    create_socket(family::inet, socket_type::stream, ec);
    set_reuse_addr();
    if (!ec) bind(address("127.0.0.1", 0), ec);
    if (!ec) listen(64, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  tls_context& ctx;
  server_stats& stats;
  std::uint16_t port() {
    std::error_code ec;
    return socket().getsockname(ec).port();
  }
  void handle_accepted(asyncore::socket sock, const address&) override {
    ++stats.accepted;
    std::error_code ec;
    auto* h = make_owned<echo_handler>(std::move(sock), map(), stats, ec);
    if (!ec) start_tls(*h, ctx, {}, ec);
    if (ec) ADD_FAILURE() << "start_tls: " << ec.message();
  }
};

class Tls : public ::testing::TestWithParam<tls_engine> {
 protected:
  void SetUp() override {
    if (!tls_available(GetParam())) GTEST_SKIP() << tls_engine_name(GetParam()) << " not built";
    ASSERT_FALSE(certs().empty()) << "could not make the certificates (openssl command)";
  }
  void TearDown() override { close_all(&map, true); }

  std::unique_ptr<tls_context> client_ctx(const std::string& ca = "ca.pem") {
    auto c = std::make_unique<tls_context>(tls_role::client, GetParam());
    std::error_code ec;
    c->load_ca_file(cert(ca), ec);
    EXPECT_FALSE(ec) << ec.message();
    return c;
  }
  std::unique_ptr<tls_context> server_ctx(const std::string& name = "server") {
    auto c = std::make_unique<tls_context>(tls_role::server, GetParam());
    std::error_code ec;
    c->use_certificate_file(cert(name + ".pem"), cert(name + ".key"), ec);
    EXPECT_FALSE(ec) << ec.message();
    return c;
  }
  std::unique_ptr<echo_client> connect_client(tls_context& ctx, std::uint16_t port, std::string payload,
                                              const std::string& host = "localhost") {
    auto c = std::make_unique<echo_client>(&map, std::move(payload), 7);
    std::error_code ec;
    c->create_socket(family::inet, socket_type::stream, ec);
    EXPECT_FALSE(ec);
    start_tls(*c, ctx, host, ec);  // before connect: handle_connect after the handshake
    EXPECT_FALSE(ec) << ec.message();
    c->connect(address("127.0.0.1", port), ec);
    EXPECT_FALSE(ec) << ec.message();
    return c;
  }
  std::vector<std::string> server_args(const std::string& name = "server") {
    return {"--cert", cert(name + ".pem"), "--key", cert(name + ".key")};
  }

  server_stats st;  // outlives the handlers (close_all in TearDown frees them)
  socket_map map;
};


// -- the client against Python's server ---------------------------------------------------

TEST_P(Tls, client_echo_1MiB_random_chunks_python_server) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"echo-server"}, server_args()))));
  auto ctx = client_ctx();
  auto c = connect_client(*ctx, py.port, random_bytes(1 << 20, 1));
  ASSERT_TRUE(loop_until([&] { return c->done || c->failed || c->closed_by_peer; }, map, backend::poll, 60));
  EXPECT_FALSE(c->failed) << c->error.what;
  EXPECT_TRUE(c->connected_hook && c->handshake_hook);
  EXPECT_TRUE(c->connect_after_handshake) << "handle_connect ran before the handshake completed";
  EXPECT_EQ(c->got.size(), c->payload.size());
  EXPECT_TRUE(c->got == c->payload);
  // Our close() sent close_notify: the peer's unwrap() saw it.
  EXPECT_TRUE(loop_until([&] { return py.says("CLOSED"); }, map, backend::poll, 15));
  EXPECT_TRUE(py.says("CLOSED clean")) << py.out->text;
  py.finish(map);
}

TEST_P(Tls, server_close_notify_reaches_client_after_data) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"echo-server", "--send-first", "hello from python"}, server_args()))));
  auto ctx = client_ctx();
  auto c = connect_client(*ctx, py.port, "");
  ASSERT_TRUE(loop_until([&] { return c->closed_by_peer || c->failed; }, map, backend::poll, 15));
  EXPECT_FALSE(c->failed) << c->error.what;
  EXPECT_EQ(c->got, "hello from python");  // every byte before the close
  // handle_close closed us, sending our close_notify: the peer's unwrap completes.
  EXPECT_TRUE(loop_until([&] { return py.says("CLOSED"); }, map, backend::poll, 15));
  EXPECT_TRUE(py.says("CLOSED clean")) << py.out->text;
  py.finish(map);
}

// One record read a byte at a time: after the first socket event the engine
// holds the rest, and the loop serves it with no socket event (none comes:
// the peer waits for our close_notify).
TEST_P(Tls, plaintext_held_by_the_engine_is_read_without_socket_events) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"echo-server", "--send-first", "one record, read byte by byte"},
                                       server_args()))));
  auto ctx = client_ctx();
  auto c = connect_client(*ctx, py.port, "");
  c->max_read = 1;
  ASSERT_TRUE(loop_until([&] { return c->closed_by_peer || c->failed; }, map, backend::poll, 15)) << c->got;
  EXPECT_EQ(c->got, "one record, read byte by byte");
  EXPECT_GE(c->reads, 29);
  py.finish(map);
}

struct refusal {
  const char* server_cert;
  const char* host;
  const char* what;
};

TEST_P(Tls, client_refuses_wrong_host_untrusted_ca_expired) {
  const refusal cases[] = {
      {"other", "localhost", "wrong host name"},
      {"rogue", "localhost", "untrusted CA"},
      {"expired", "localhost", "expired certificate"},
  };
  for (const refusal& r : cases) {
    SCOPED_TRACE(r.what);
    peer py;
    ASSERT_TRUE(py.start(map, python(cat({"echo-server"}, server_args(r.server_cert)))));
    auto ctx = client_ctx();
    auto c = connect_client(*ctx, py.port, "never sent", r.host);
    ASSERT_TRUE(loop_until([&] { return c->failed || c->done || c->closed_by_peer; }, map, backend::poll, 15));
    ASSERT_TRUE(c->failed);
    EXPECT_FALSE(c->connected_hook) << "handle_connect after a failed verification";
    EXPECT_EQ(c->error.code, make_error_code(tls_errc::certificate_verify_failed)) << c->error.what;
    EXPECT_NE(c->error.what.find("certificate_verify_failed"), std::string::npos) << c->error.what;
    std::printf("  [%s] %s: %s\n", tls_engine_name(GetParam()), r.what, c->error.what.c_str());
    EXPECT_TRUE(loop_until([&] { return py.says("HANDSHAKE_FAIL"); }, map, backend::poll, 15)) << py.out->text;
    py.finish(map);
  }
}

TEST_P(Tls, client_certificate_supplied_to_python_server) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"echo-server", "--ca", cert("ca.pem"), "--require-client"}, server_args()))));
  auto ctx = client_ctx();
  std::error_code ec;
  ctx->use_certificate_file(cert("client.pem"), cert("client.key"), ec);
  ASSERT_FALSE(ec);
  auto c = connect_client(*ctx, py.port, random_bytes(5000, 3));
  ASSERT_TRUE(loop_until([&] { return c->done || c->failed || c->closed_by_peer; }, map, backend::poll, 15));
  EXPECT_TRUE(c->done) << c->error.what;
  EXPECT_TRUE(c->got == c->payload);
  py.finish(map);
}

// -- our server against Python's clients ---------------------------------------------------

TEST_P(Tls, server_echo_20_concurrent_python_clients) {
  auto ctx = server_ctx();
  echo_server srv(&map, *ctx, st);
  peer py;
  ASSERT_TRUE(py.start(map,
                       python({"clients", "--port", std::to_string(srv.port()), "--ca", cert("ca.pem"), "--count",
                               "20", "--size", "65536"}),
                       false));
  ASSERT_TRUE(loop_until([&] { return py.out->eof; }, map, backend::poll, 60)) << py.out->text;
  EXPECT_EQ(py.proc.wait(), 0) << py.out->text;
  int ok = 0;
  for (std::size_t p = 0; (p = py.out->text.find("OK ", p)) != std::string::npos; ++p) ++ok;
  EXPECT_EQ(ok, 20) << py.out->text;
  EXPECT_EQ(st.accepted, 20);
  EXPECT_EQ(st.handshakes, 20);
  EXPECT_TRUE(st.errors.empty()) << (st.reasons.empty() ? "" : st.reasons[0]);
}

TEST_P(Tls, server_echo_1MiB_python_client) {
  auto ctx = server_ctx();
  echo_server srv(&map, *ctx, st);
  peer py;
  ASSERT_TRUE(py.start(map,
                       python({"clients", "--port", std::to_string(srv.port()), "--ca", cert("ca.pem"), "--count",
                               "1", "--size", std::to_string(1 << 20), "--seed", "5"}),
                       false));
  ASSERT_TRUE(loop_until([&] { return py.out->eof; }, map, backend::poll, 60)) << py.out->text;
  EXPECT_EQ(py.proc.wait(), 0) << py.out->text;
  EXPECT_TRUE(py.says("OK 0")) << py.out->text;
  // The client's close_notify: handle_close, not an error.
  EXPECT_TRUE(loop_until([&] { return st.closes == 1; }, map, backend::poll, 15));
  EXPECT_TRUE(st.errors.empty()) << (st.reasons.empty() ? "" : st.reasons[0]);
}

TEST_P(Tls, server_requires_client_certificate) {
  auto ctx = server_ctx();
  std::error_code ec;
  ctx->load_ca_file(cert("ca.pem"), ec);
  ASSERT_FALSE(ec);
  ctx->set_verify(true);
  echo_server srv(&map, *ctx, st);
  {
    peer with;
    ASSERT_TRUE(with.start(map,
                           python({"clients", "--port", std::to_string(srv.port()), "--ca", cert("ca.pem"), "--cert",
                                   cert("client.pem"), "--key", cert("client.key"), "--size", "3000"}),
                           false));
    ASSERT_TRUE(loop_until([&] { return with.out->eof; }, map, backend::poll, 30));
    EXPECT_EQ(with.proc.wait(), 0) << with.out->text;
    EXPECT_TRUE(with.says("OK 0")) << with.out->text;
  }
  {
    peer without;
    ASSERT_TRUE(without.start(
        map, python({"clients", "--port", std::to_string(srv.port()), "--ca", cert("ca.pem"), "--size", "3000"}),
        false));
    ASSERT_TRUE(loop_until([&] { return without.out->eof; }, map, backend::poll, 30));
    EXPECT_NE(without.proc.wait(), 0) << without.out->text;
    EXPECT_TRUE(without.says("FAIL 0")) << without.out->text;
    ASSERT_TRUE(loop_until([&] { return !st.errors.empty(); }, map, backend::poll, 15));
    std::printf("  [%s] no client certificate: %s\n", tls_engine_name(GetParam()), st.reasons[0].c_str());
  }
}

TEST_P(Tls, bad_peers_are_cut_off_alone) {
  auto ctx = server_ctx();
  ctx->set_handshake_timeout(1.0);
  echo_server srv(&map, *ctx, st);
  const std::string port = std::to_string(srv.port());
  peer garbage, truncated, stall, good;
  ASSERT_TRUE(garbage.start(map, python({"bad", "--port", port, "--mode", "garbage"}), false));
  ASSERT_TRUE(truncated.start(map, python({"bad", "--port", port, "--mode", "truncated"}), false));
  ASSERT_TRUE(stall.start(map, python({"bad", "--port", port, "--mode", "stall"}), false));
  ASSERT_TRUE(good.start(map,
                         python({"clients", "--port", port, "--ca", cert("ca.pem"), "--count", "3", "--size", "20000"}),
                         false));
  ASSERT_TRUE(loop_until([&] { return garbage.out->eof && truncated.out->eof && stall.out->eof && good.out->eof; },
                         map, backend::poll, 30));
  EXPECT_TRUE(garbage.says("CUT"));
  EXPECT_TRUE(truncated.says("CUT"));
  EXPECT_TRUE(stall.says("CUT"));
  EXPECT_EQ(good.proc.wait(), 0) << good.out->text;
  EXPECT_EQ(st.handshakes, 3);
  EXPECT_EQ(st.errors[make_error_code(tls_errc::handshake_timeout).message()], 1);
  EXPECT_EQ(st.errors[make_error_code(tls_errc::handshake_eof).message()], 1);
  EXPECT_EQ(st.errors[make_error_code(tls_errc::handshake_failed).message()], 1);
  for (const std::string& r : st.reasons) std::printf("  [%s] %s\n", tls_engine_name(GetParam()), r.c_str());
}

TEST_P(Tls, no_busy_loop_while_the_peer_stalls_mid_handshake) {
  auto ctx = server_ctx();
  ctx->set_handshake_timeout(5.0);
  echo_server srv(&map, *ctx, st);
  peer stall;
  ASSERT_TRUE(stall.start(map, python({"bad", "--port", std::to_string(srv.port()), "--mode", "stall"}), false));
  ASSERT_TRUE(loop_until([&] { return st.accepted == 1; }, map, backend::poll, 15));
  // Let the half ClientHello arrive and be consumed (the engine then waits for more).
  std::error_code ec;
  for (int i = 0; i < 3; ++i) poll_once(0.05, backend::poll, &map, ec);
  const auto t0 = std::chrono::steady_clock::now();
  int iterations = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300)) {
    poll_once(0.1, backend::poll, &map, ec);
    ++iterations;
  }
  EXPECT_LE(iterations, 6) << "the loop spun while the handshake waited for the peer";
  EXPECT_TRUE(st.errors.empty());
}

// Half a record after the handshake: the engine holds part of it (mbedTLS
// reports that as pending), and no read can complete until the rest comes.
// The loop must wait for the socket, not spin on the held bytes.
TEST_P(Tls, no_busy_loop_on_half_a_record) {
  auto ctx = server_ctx();
  echo_server srv(&map, *ctx, st);
  peer half;
  ASSERT_TRUE(half.start(map, python({"half-record", "--port", std::to_string(srv.port()), "--ca", cert("ca.pem")}),
                         false));
  ASSERT_TRUE(loop_until([&] { return half.says("HANDSHAKE ok") && st.handshakes == 1; }, map, backend::poll, 15));
  std::error_code ec;
  for (int i = 0; i < 3; ++i) poll_once(0.05, backend::poll, &map, ec);  // the half record arrives
  const auto t0 = std::chrono::steady_clock::now();
  int iterations = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300)) {
    poll_once(0.1, backend::poll, &map, ec);
    ++iterations;
  }
  EXPECT_LE(iterations, 6) << "the loop spun on a partial record";
  EXPECT_TRUE(st.errors.empty());
}

// -- STARTTLS (async_chat, unchanged) ---------------------------------------------------

struct starttls_client : async_chat {
  starttls_client(socket_map* m, tls_context& c) : async_chat(m), ctx(c) { set_terminator("\r\n"); }
  tls_context& ctx;
  std::string line;
  int state = 0;
  int handshakes = 0;
  bool echoed = false, failed = false;
  std::string why;
  void handle_connect() override {}
  void collect_incoming_data(std::string_view d) override { line.append(d.data(), d.size()); }
  void found_terminator() override {
    const std::string l = line;
    line.clear();
    if (state == 0 && l == "220 ready") {
      push("STARTTLS\r\n");
      state = 1;
    } else if (state == 1 && l == "220 go") {
      std::error_code ec;
      start_tls(*this, ctx, "localhost", ec);
      if (ec) why = ec.message();
      push("hello over tls\r\n");  // queued: goes out after the handshake
      state = 2;
    } else if (state == 2 && l == "hello over tls") {
      echoed = tls_established(*this);
      close();
    } else {
      why = "unexpected line: " + l;
      failed = true;
      close();
    }
  }
  void handle_tls_handshake() override { ++handshakes; }
  void handle_close() override { close(); }
  void handle_error(const error_cause& c) override {
    why = c.what;
    failed = true;
    close();
  }
};

TEST_P(Tls, starttls_after_plain_text_lines) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"starttls-server"}, server_args()))));
  auto ctx = client_ctx();
  starttls_client c(&map, *ctx);
  std::error_code ec;
  c.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec);
  c.connect(address("127.0.0.1", py.port), ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(loop_until([&] { return c.echoed || c.failed || !c.socket().is_open(); }, map, backend::poll, 15));
  EXPECT_TRUE(c.echoed) << c.why;
  EXPECT_EQ(c.handshakes, 1);
  EXPECT_TRUE(loop_until([&] { return py.says("CLOSED"); }, map, backend::poll, 15));
  EXPECT_TRUE(py.says("STARTTLS ok")) << py.out->text;
  EXPECT_TRUE(py.says("CLOSED clean")) << py.out->text;
  py.finish(map);
}

// -- the openssl command as the peer ----------------------------------------------------------

TEST_P(Tls, client_against_openssl_s_server) {
  peer s;
  ASSERT_TRUE(s.start(map, {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-rev",
                            "-cert", cert("server.pem"), "-key", cert("server.key"), "-alpn", "other,asyncore-test"}));
  auto ctx = client_ctx();
  ctx->set_alpn({"asyncore-test"});
  auto c = connect_client(*ctx, s.port, "");
  // -rev answers each line reversed; the client closes after it.
  ASSERT_TRUE(loop_until([&] { return c->connected_hook || c->failed; }, map, backend::poll, 15));
  ASSERT_FALSE(c->failed) << c->error.what;
  EXPECT_EQ(tls_alpn_protocol(*c), "asyncore-test");  // the one both offer
  std::error_code ec;
  EXPECT_EQ(c->send("hello asyncore\n", ec), 15u);
  ASSERT_TRUE(loop_until([&] { return c->got.find('\n') != std::string::npos || c->failed || c->closed_by_peer; },
                         map, backend::poll, 15));
  EXPECT_NE(c->got.find("erocnysa olleh"), std::string::npos) << c->got;
  c->close();
  s.finish(map);
}

// Our server against `openssl s_client`: s_client's stdin goes to the server,
// its stdout shows the echo; `-verify_return_error` makes a bad certificate fatal.
TEST_P(Tls, server_against_openssl_s_client) {
  auto ctx = server_ctx();
  ctx->set_alpn({"asyncore-test", "http/1.1"});  // the server picks the first of its own the client offers
  echo_server srv(&map, *ctx, st);
  peer s;
  ASSERT_TRUE(s.start(map,
                      {"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(srv.port()),
                       "-servername", "localhost", "-verify_hostname", "localhost", "-CAfile", cert("ca.pem"),
                       "-verify_return_error", "-quiet", "-ign_eof", "-alpn", "http/1.1,asyncore-test"},
                      false));
  const std::string line = "line through s_client\n";
  ASSERT_EQ(::write(s.proc.in, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  ASSERT_TRUE(loop_until([&] { return s.says(line) || s.out->eof; }, map, backend::poll, 15)) << s.out->text;
  EXPECT_TRUE(s.says(line)) << s.out->text;
  EXPECT_EQ(st.handshakes, 1);
  EXPECT_EQ(st.alpn, std::vector<std::string>{"asyncore-test"});
  // The server closes the connection (close_notify): s_client leaves, status 0.
  ASSERT_EQ(st.open.size(), 1u);
  st.open[0]->close();
  ASSERT_TRUE(loop_until([&] { return s.out->eof; }, map, backend::poll, 15)) << "s_client did not leave";
  EXPECT_EQ(s.proc.wait(), 0);
}

// build_config.hpp's macros say what tls_available() says at run time.
TEST_P(Tls, has_tls_macros_match_the_engines) {
  static_assert(ASYNCORE_HAS_TLS == 1, "this suite is built only with a TLS engine");
  EXPECT_EQ(tls_available(tls_engine::openssl), ASYNCORE_HAS_TLS_OPENSSL == 1);
  EXPECT_EQ(tls_available(tls_engine::mbedtls), ASYNCORE_HAS_TLS_MBEDTLS == 1);
  EXPECT_TRUE(tls_available());
}

TEST_P(Tls, start_tls_errors_leave_the_channel_unchanged) {
  auto ctx = client_ctx();
  echo_client c(&map, "", 1);
  std::error_code ec;
  start_tls(c, *ctx, "localhost", ec);  // no socket
  EXPECT_EQ(ec, make_error_code(tls_errc::invalid_state));
  c.create_socket(family::inet, socket_type::stream, ec);
  start_tls(c, *ctx, "", ec);  // verification on, and no host to check
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_FALSE(tls_active(c));
  tls_context broken(tls_role::server, GetParam());
  broken.use_certificate_pem("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
                             "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n", ec);
  EXPECT_FALSE(ec);
  c.set_ignore_log_types({"error"});
  start_tls(c, broken, {}, ec);
  EXPECT_EQ(ec, make_error_code(tls_errc::bad_configuration));
  EXPECT_FALSE(tls_active(c));
  tls_context missing(tls_role::client, GetParam());
  missing.load_ca_file(cert("no-such-file.pem"), ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

}  // namespace

// -- the examples (examples/tls_echo_server, tls_client, https_get) ----------------------------

#ifdef ASYNCORE_EXAMPLES_DIR
namespace {

const std::string examples = ASYNCORE_EXAMPLES_DIR;

// Runs `argv` with `input` on its stdin (then closed); its stdout and exit status.
struct run_result {
  int status = -1;
  std::string out, err;
};
run_result run(socket_map& map, const std::vector<std::string>& argv, const std::string& input) {
  run_result r;
  child c;
  if (!c.start(argv, true)) return r;
  std::error_code ec;
  output_reader out(c.out, &map, ec), err(c.err, &map, ec);
  // The input through the loop, as the child takes it (it writes its output
  // meanwhile: a blocking write here could wait for it forever).
  struct input_writer : asyncore::file_dispatcher {
    input_writer(int fd, socket_map* m, std::string d, std::error_code& e) : file_dispatcher(fd, m, e), data(std::move(d)) {}
    std::string data;
    std::size_t off = 0;
    bool readable() override { return false; }
    bool writable() override { return true; }
    void handle_write() override {
      std::error_code e;
      off += send(data.data() + off, data.size() - off, e);
      if (off >= data.size() || e) close();
    }
    void handle_close() override { close(); }
  } in(c.in, &map, input, ec);
  ::close(c.in);  // the writer has its own descriptor
  c.in = -1;
  if (!loop_until([&] { return out.eof && err.eof; }, map, backend::poll, 30)) return r;
  r.status = c.wait();
  r.out = out.text;
  r.err = err.text;
  return r;
}

}  // namespace

namespace {
TEST_P(Tls, examples_tls_echo_server_and_tls_client) {
  const std::string engine = tls_engine_name(GetParam());
  peer server;
  ASSERT_TRUE(server.start(map, {examples + "/tls_echo_server", "--cert", cert("server.pem"), "--key",
                                 cert("server.key"), "--engine", engine, "0"}));
  const std::string port = std::to_string(server.port);
  // 200 KiB through the pair, the other engine on the client side too.
  const std::string data = random_bytes(200 * 1024, 11);
  for (const char* client_engine : {"openssl", "mbedtls"}) {
    if (!tls_available(std::string(client_engine) == "openssl" ? tls_engine::openssl : tls_engine::mbedtls)) continue;
    SCOPED_TRACE(client_engine);
    run_result r = run(map,
                       {examples + "/tls_client", "--engine", client_engine, "--ca", cert("ca.pem"), "--host",
                        "localhost", "127.0.0.1", port},
                       data);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out == data) << r.out.size() << " of " << data.size() << " bytes came back";
  }
  // A name the certificate does not carry: refused, status 1, a clear message.
  run_result bad = run(map,
                       {examples + "/tls_client", "--engine", engine, "--ca", cert("ca.pem"), "--host",
                        "wrong.example", "127.0.0.1", port},
                       "x");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("certificate_verify_failed"), std::string::npos) << bad.err;
  // A CA that did not sign the server's certificate: the same.
  run_result untrusted = run(map,
                             {examples + "/tls_client", "--engine", engine, "--ca", cert("rogue_ca.pem"),
                              "127.0.0.1", port},
                             "x");
  EXPECT_EQ(untrusted.status, 1);
  EXPECT_NE(untrusted.err.find("certificate_verify_failed"), std::string::npos) << untrusted.err;
  // The server goes on serving after those.
  run_result again = run(map,
                         {examples + "/tls_client", "--engine", engine, "--ca", cert("ca.pem"), "--host",
                          "localhost", "127.0.0.1", port},
                         "still there\n");
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, "still there\n");
  ::kill(server.proc.pid, SIGTERM);
  EXPECT_TRUE(loop_until([&] { return server.out->eof; }, map, backend::poll, 10));
  EXPECT_EQ(server.proc.wait(), 0);
}

TEST_P(Tls, examples_https_get_against_python_https_server) {
  peer py;
  ASSERT_TRUE(py.start(map, python(cat({"https-server"}, server_args()))));
  const std::string base = "https://localhost:" + std::to_string(py.port);
  const std::string engine = tls_engine_name(GetParam());
  run_result ok = run(map, {examples + "/https_get", "--engine", engine, "--ca", cert("ca.pem"), base + "/hello"}, "");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "hello over https\n");
  EXPECT_NE(ok.err.find("200"), std::string::npos) << ok.err;
  run_result missing =
      run(map, {examples + "/https_get", "--engine", engine, "--ca", cert("ca.pem"), base + "/nothing"}, "");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("404"), std::string::npos) << missing.err;
  run_result untrusted =
      run(map, {examples + "/https_get", "--engine", engine, "--ca", cert("rogue_ca.pem"), base + "/hello"}, "");
  EXPECT_EQ(untrusted.status, 1);
  EXPECT_NE(untrusted.err.find("certificate_verify_failed"), std::string::npos) << untrusted.err;
  py.finish(map);
}
}  // namespace
#endif

namespace {
std::string engine_name(const ::testing::TestParamInfo<tls_engine>& i) { return tls_engine_name(i.param); }
INSTANTIATE_TEST_SUITE_P(tls, Tls, ::testing::Values(tls_engine::openssl, tls_engine::mbedtls), engine_name);
}  // namespace
