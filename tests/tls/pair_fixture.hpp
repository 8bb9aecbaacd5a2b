// SPDX-License-Identifier: MIT
// The TLS pair fixture: our client and our server in one process, each on
// an engine we did not write, in every pairing built (tests/tls_pair_test.cpp,
// tests/tls_fault_test.cpp). The certificates are made at build time by
// tests/tls/make_certs.sh (ASYNCORE_TEST_CERT_DIR) and loaded from memory.
#pragma once

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

namespace tls_pair {

using namespace asyncore;
using asyncore_test::loop_until;


inline std::string read_pem(const std::string& name) {
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
  std::vector<native_handle_type> accepted;  // the server's channels' handles, in order
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
    stats.accepted.push_back(s.fileno());
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
  bool connected = false, done = false, failed = false, closed = false;
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
  void handle_close() override {
    closed = true;
    close();
  }
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

inline std::string pair_name(const ::testing::TestParamInfo<engines>& info) {
  return std::string(tls_engine_name(std::get<0>(info.param))) + "_to_" + tls_engine_name(std::get<1>(info.param));
}

// The engines this build has: a pairing with one it lacks is not made at all
// (the Windows build has mbedTLS only), rather than made and skipped.
inline std::vector<tls_engine> built_engines() {
  std::vector<tls_engine> v;
  for (tls_engine e : {tls_engine::openssl, tls_engine::mbedtls})
    if (tls_available(e)) v.push_back(e);
  return v;
}

}  // namespace tls_pair
