// SPDX-License-Identifier: MIT
// TLS between two of our own channels in one process, each on an engine we
// did not write (OpenSSL, mbedTLS), in every pairing built: client engine x
// server engine. Unlike tests/tls_test.cpp it starts no child process, so it
// runs on every platform that has TLS, lwIP's stack on the host included
// (there the peers' sockets are lwIP's, on its loopback interface) and
// Windows under Wine (mbedTLS to mbedTLS, over Winsock). The
// certificates are made at build time by tests/tls/make_certs.sh
// (ASYNCORE_TEST_CERT_DIR) and loaded from memory (load_ca_pem,
// use_certificate_pem), the way a device without a file system does it.
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include <gtest/gtest.h>

#include "support.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace asyncore;
using asyncore_test::loop_until;

namespace {

std::string read_pem(const std::string& name) {
  std::ifstream in(std::string(ASYNCORE_TEST_CERT_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct pair_stats {
  int handshakes = 0, closes = 0, errors = 0;
  bool notify_received = false;
  std::vector<std::string> alpn;
  std::vector<error_cause> error_causes;  // what the server's channels were told
};

// The server's side: dispatcher_with_send echoing what it reads.
struct pair_echo : dispatcher_with_send {
  pair_echo(asyncore::socket s, socket_map* m, pair_stats& st, std::error_code& ec)
      : dispatcher_with_send(std::move(s), m, ec), stats(st) {}
  pair_stats& stats;
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
    stats.notify_received = tls_close_notify_received(*this);
    close();
  }
  void handle_error(const error_cause& c) override {
    ++stats.errors;
    stats.error_causes.push_back(c);
    close();
  }
};

struct pair_server : dispatcher {
  pair_server(socket_map* m, tls_context& c, pair_stats& st) : dispatcher(m), ctx(c), stats(st) {
    std::error_code ec;
    create_socket(family::inet, socket_type::stream, ec);
    if (!ec) bind(address("127.0.0.1", 0), ec);
    if (!ec) listen(8, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  tls_context& ctx;
  pair_stats& stats;
  std::uint16_t port() {
    std::error_code ec;
    return socket().getsockname(ec).port();
  }
  void handle_accepted(asyncore::socket s, const address&) override {
    std::error_code ec;
    auto* h = make_owned<pair_echo>(std::move(s), map(), stats, ec);
    if (!ec) start_tls(*h, ctx, {}, ec);
    if (ec) ADD_FAILURE() << "start_tls: " << ec.message();
  }
};

// The client's side: sends `payload` in random pieces, reads the echo in
// random pieces, closes (close_notify) once it has it all.
struct pair_client : dispatcher {
  pair_client(socket_map* m, std::string p) : dispatcher(m), payload(std::move(p)) {}
  std::string payload, got;
  std::size_t sent = 0;
  std::mt19937 rng{7};
  bool connected = false, done = false, failed = false;
  error_cause error;
  bool writable() override { return connecting || sent < payload.size(); }
  void handle_connect() override { connected = true; }
  void handle_write() override {
    std::error_code ec;
    const std::size_t want = std::min<std::size_t>(payload.size() - sent, 1 + rng() % 20000);
    sent += send(payload.data() + sent, want, ec);
  }
  void handle_read() override {
    char buf[20000];
    std::error_code ec;
    got.append(buf, recv(buf, 1 + rng() % sizeof buf, ec));
    if (!payload.empty() && got.size() >= payload.size()) {
      done = true;
      close();
    }
  }
  void handle_close() override { close(); }
  void handle_error(const error_cause& c) override {
    error = c;
    failed = true;
    close();
  }
};

using engines = std::tuple<tls_engine, tls_engine>;  // client's, server's

class TlsPair : public ::testing::TestWithParam<engines> {
 protected:
  void SetUp() override {
    if (!tls_available(client_engine()) || !tls_available(server_engine())) GTEST_SKIP() << "engine not built";
    ca = read_pem("ca.pem");
    ASSERT_FALSE(ca.empty()) << "no certificates in " << ASYNCORE_TEST_CERT_DIR;
  }
  void TearDown() override { close_all(&map, true); }
  tls_engine client_engine() const { return std::get<0>(GetParam()); }
  tls_engine server_engine() const { return std::get<1>(GetParam()); }

  std::unique_ptr<tls_context> server_ctx() {
    auto c = std::make_unique<tls_context>(tls_role::server, server_engine());
    std::error_code ec;
    c->use_certificate_pem(read_pem("server.pem"), read_pem("server.key"), ec);
    EXPECT_FALSE(ec) << ec.message() << " " << c->error_reason();
    return c;
  }
  std::unique_ptr<tls_context> client_ctx() {
    auto c = std::make_unique<tls_context>(tls_role::client, client_engine());
    std::error_code ec;
    c->load_ca_pem(ca, ec);
    EXPECT_FALSE(ec) << ec.message() << " " << c->error_reason();
    return c;
  }
  void connect(pair_client& c, tls_context& ctx, std::uint16_t port, const std::string& host) {
    std::error_code ec;
    c.create_socket(family::inet, socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    start_tls(c, ctx, host, ec);
    ASSERT_FALSE(ec) << ec.message();
    c.connect(address("127.0.0.1", port), ec);
    ASSERT_FALSE(ec) << ec.message();
  }

  std::string ca;
  pair_stats st;
  socket_map map;
};

TEST_P(TlsPair, echo_256KiB_random_chunks_and_close_notify) {
  auto sctx = server_ctx();
  auto cctx = client_ctx();
  sctx->set_alpn({"asyncore-pair"});
  cctx->set_alpn({"other", "asyncore-pair"});
  pair_server srv(&map, *sctx, st);
  std::mt19937 rng(3);
  std::string payload(256 * 1024, '\0');
  for (char& ch : payload) ch = static_cast<char>(rng());
  pair_client c(&map, payload);
  connect(c, *cctx, srv.port(), "localhost");
  ASSERT_TRUE(loop_until([&] { return c.done || c.failed; }, map, backend::select, 60));
  ASSERT_FALSE(c.failed) << c.error.what;
  EXPECT_TRUE(c.connected);
  EXPECT_TRUE(c.got == payload) << "the echo differs (" << c.got.size() << " bytes)";
  ASSERT_TRUE(loop_until([&] { return st.closes + st.errors > 0; }, map, backend::select, 30));
  EXPECT_EQ(st.handshakes, 1);
  EXPECT_EQ(st.errors, 0);
  EXPECT_TRUE(st.notify_received);  // the client's close() sent close_notify
  EXPECT_EQ(st.alpn, std::vector<std::string>{"asyncore-pair"});
}

TEST_P(TlsPair, wrong_host_is_refused_and_the_server_goes_on) {
  auto sctx = server_ctx();
  auto cctx = client_ctx();
  pair_server srv(&map, *sctx, st);
  pair_client bad(&map, "x");
  connect(bad, *cctx, srv.port(), "other.example");  // server.pem names localhost only
  ASSERT_TRUE(loop_until([&] { return bad.failed || bad.done; }, map, backend::select, 30));
  ASSERT_TRUE(bad.failed);
  EXPECT_EQ(bad.error.code, make_error_code(tls_errc::certificate_verify_failed)) << bad.error.what;
  EXPECT_FALSE(bad.connected);
  // The server does not verify its clients: the client's refusal reaches it
  // as a failed handshake, not as a verification failure of its own (mbedTLS
  // reports "verification skipped" in the result flags of such a server).
  ASSERT_TRUE(loop_until([&] { return st.errors + st.closes > 0; }, map, backend::select, 30));
  for (const error_cause& c : st.error_causes)
    EXPECT_NE(c.code, make_error_code(tls_errc::certificate_verify_failed)) << c.what;
  pair_client good(&map, "after the refused one");
  connect(good, *cctx, srv.port(), "localhost");
  ASSERT_TRUE(loop_until([&] { return good.done || good.failed; }, map, backend::select, 30));
  EXPECT_FALSE(good.failed) << good.error.what;
  EXPECT_EQ(good.got, "after the refused one");
}

std::string pair_name(const ::testing::TestParamInfo<engines>& info) {
  return std::string(tls_engine_name(std::get<0>(info.param))) + "_to_" + tls_engine_name(std::get<1>(info.param));
}

// The engines this build has: a pairing with one it lacks is not made at all
// (the Windows build has mbedTLS only), rather than made and skipped.
std::vector<tls_engine> built_engines() {
  std::vector<tls_engine> v;
  for (tls_engine e : {tls_engine::openssl, tls_engine::mbedtls})
    if (tls_available(e)) v.push_back(e);
  return v;
}

INSTANTIATE_TEST_SUITE_P(tls, TlsPair,
                         ::testing::Combine(::testing::ValuesIn(built_engines()), ::testing::ValuesIn(built_engines())),
                         pair_name);

}  // namespace
