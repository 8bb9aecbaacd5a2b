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
#include "tls/pair_fixture.hpp"

using namespace tls_pair;

namespace {

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

INSTANTIATE_TEST_SUITE_P(tls, TlsPair,
                         ::testing::Combine(::testing::ValuesIn(built_engines()), ::testing::ValuesIn(built_engines())),
                         pair_name);

}  // namespace
