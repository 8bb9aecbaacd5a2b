// SPDX-License-Identifier: MIT
// Regression tests for what the fuzz harnesses (tests/fuzz/) found. Each test
// names the crashing input it was reduced from (tests/fuzz/crashes/); replay
// one with `build/fuzz/fuzz_<harness> tests/fuzz/crashes/<file>`.
#include "support.hpp"

#include <asyncore/asyncore.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace asyncore_test {
namespace {

class FuzzRegressions : public testing::TestWithParam<param> {};

void iterate(asyncore::socket_map& map, backend be, int n) {
  for (int i = 0; i < n; ++i) {
    std::error_code ec;
    asyncore::poll_once(0.0, be, &map, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
}

// A channel with stable predicates that counts its handler calls.
class stable_channel : public asyncore::dispatcher {
 public:
  stable_channel(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec, bool r, bool w)
      : dispatcher(std::move(s), m, ec), want_read(r), want_write(w) {
    set_stable_predicates();
  }
  bool want_read, want_write;
  int reads = 0, writes = 0, closes = 0;
  bool readable() override { return want_read; }
  bool writable() override { return want_write; }
  void handle_read() override {
    ++reads;
    char buf[64];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
  void handle_write() override {
    ++writes;
    want_write = false;  // in its own handler: no interest_changed() needed
  }
  void handle_close() override {
    ++closes;
    close();
  }
};

// tests/fuzz/crashes/registry-stable-idle-iteration (fuzz_registry, with
// -DFUZZ_REGISTRY_NO_SENTINEL): after close_all, a stable channel turns its
// last interest off in its own handler; the next iterations sample it (no
// interest; no channel of the map is interested). Its peer closes and another
// channel brings interest back: the poll and epoll backends still watch the
// first one for output and handle_write ran although writable() said false
// (select was right). Without the close_all first it did not happen. Fixed in
// src/loop.cpp: an iteration that sleeps still counts for persistent backends.
TEST_P(FuzzRegressions, test_stable_interest_dropped_in_idle_iteration_reaches_backend) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  const backend be = GetParam().be;
  asyncore::socket_map map;
  asyncore::socket a, pa, b, pb, z, pz;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, pa, ec)) << ec.message();
  ASSERT_TRUE(asyncore::socket_pair(b, pb, ec)) << ec.message();
  ASSERT_TRUE(asyncore::socket_pair(z, pz, ec)) << ec.message();
  stable_channel first(std::move(z), &map, ec, true, true);  // as in the input: written once, then close_all
  ASSERT_FALSE(ec) << ec.message();
  iterate(map, be, 1);
  asyncore::close_all(&map);
  iterate(map, be, 1);
  stable_channel c(std::move(a), &map, ec, false, true);
  ASSERT_FALSE(ec) << ec.message();
  iterate(map, be, 1);  // writable: one handle_write, which drops the interest
  ASSERT_EQ(c.writes, 1);
  iterate(map, be, 2);  // sampled again: nothing wanted anywhere
  EXPECT_EQ(c.writes, 1);
  pa.close();  // the peer goes away: the descriptor reports hang-up (and output)
  stable_channel other(std::move(b), &map, ec, true, false);  // interest again, elsewhere
  ASSERT_FALSE(ec) << ec.message();
  iterate(map, be, 3);
  EXPECT_EQ(c.writes, 1) << "handle_write ran although writable() returned false";
  EXPECT_EQ(c.reads, 0);
}

INSTANTIATE_TEST_SUITE_P(asyncore, FuzzRegressions, testing::ValuesIn(backend_params()), param_name);

}  // namespace
}  // namespace asyncore_test
