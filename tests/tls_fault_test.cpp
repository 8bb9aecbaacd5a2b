// SPDX-License-Identifier: MIT
// TLS channels under the platform layer's faults (tests/fault_injection.hpp):
// the layer sends a record from the engine's own buffer and keeps only what
// the socket did not take, reads a large record straight into the engine's
// buffer, and holds a send error until the next flush (src/tls/layer.cpp).
// Short sends, "would block" storms and a reset mid-stream must lose no byte
// and cut off only the channel concerned. Our client and server in one
// process, every pairing of the engines built (tests/tls/pair_fixture.hpp).
#include "fault_injection.hpp"
#include "tls/pair_fixture.hpp"

using namespace tls_pair;

namespace {

class TlsPairFault : public TlsPair {
 protected:
  void SetUp() override {
    TlsPair::SetUp();
    if (IsSkipped()) return;
    faults.reset(new fault::scope);
  }
  void TearDown() override {
    TlsPair::TearDown();
    faults.reset();
  }
  std::unique_ptr<fault::scope> faults;
};

std::string random_payload(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& ch : s) ch = static_cast<char>(rng());
  return s;
}

TEST_P(TlsPairFault, short_and_would_block_sends_lose_no_byte) {
  if (const char* why = fault::cannot(fault::op::send, std::errc::operation_would_block)) GTEST_SKIP() << why;
  auto sctx = server_ctx();
  auto cctx = client_ctx();
  pair_server srv(&map, *sctx, st);
  const std::string payload = random_payload(96 * 1024, 11);
  // Both ends: the handshake and the first records go out 7 bytes a send,
  // then sends say "would block" 40 times after every 5 that pass.
  fault::limit_send(7, 3000);
  pair_client c(&map, payload);
  connect(c, *cctx, srv.port(), "localhost");
  bool storm_set = false;
  ASSERT_TRUE(loop_until(
      [&] {
        if (!storm_set && fault::calls(fault::op::send) >= 3000) {
          fault::fail(fault::op::send, std::errc::operation_would_block, 40, 5);
          storm_set = true;
        }
        return c.done || c.failed || c.closed;
      },
      map, backend::select, 120));
  ASSERT_FALSE(c.failed) << c.error.what;
  EXPECT_TRUE(c.got == payload) << "the echo differs (" << c.got.size() << " of " << payload.size() << " bytes)";
  EXPECT_GE(fault::calls(fault::op::send), 3000);
  EXPECT_EQ(st.errors, 0);
}

TEST_P(TlsPairFault, a_reset_send_cuts_off_that_channel_only) {
  if (const char* why = fault::cannot(fault::op::send, std::errc::connection_reset)) GTEST_SKIP() << why;
  auto sctx = server_ctx();
  auto cctx = client_ctx();
  pair_server srv(&map, *sctx, st);
  pair_client bad(&map, random_payload(512 * 1024, 12));
  connect(bad, *cctx, srv.port(), "localhost");
  // Once the server's channel has made its handshake, its next send fails.
  ASSERT_TRUE(loop_until([&] { return st.handshakes == 1 || bad.failed; }, map, backend::select, 60));
  ASSERT_FALSE(bad.failed) << bad.error.what;
  ASSERT_EQ(st.accepted.size(), 1u);
  fault::fail(fault::op::send, std::errc::connection_reset, 1, 0, st.accepted[0]);
  ASSERT_TRUE(loop_until([&] { return st.errors + st.closes > 0; }, map, backend::select, 60));
  EXPECT_EQ(fault::injected(fault::op::send), 1);
  ASSERT_TRUE(loop_until([&] { return bad.closed || bad.failed || bad.done; }, map, backend::select, 60));
  EXPECT_FALSE(bad.done) << "the whole echo came back through a reset channel";
  // The server goes on: a new client gets its whole echo.
  const std::string payload = random_payload(64 * 1024, 13);
  pair_client good(&map, payload);
  connect(good, *cctx, srv.port(), "localhost");
  ASSERT_TRUE(loop_until([&] { return good.done || good.failed || good.closed; }, map, backend::select, 60));
  EXPECT_FALSE(good.failed) << good.error.what;
  EXPECT_TRUE(good.got == payload) << "the echo differs (" << good.got.size() << " bytes)";
}

INSTANTIATE_TEST_SUITE_P(tls, TlsPairFault,
                         ::testing::Combine(::testing::ValuesIn(built_engines()), ::testing::ValuesIn(built_engines())),
                         pair_name);

}  // namespace
