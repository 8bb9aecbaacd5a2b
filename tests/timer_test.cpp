// SPDX-License-Identifier: MIT
// Timers and the thread-safe entry (include/asyncore/timer.hpp), over every
// backend. Where the behaviour and not the wall clock is under test, the
// map's clock is driven by the test (map_state::clock); the cross-thread
// cases use the real clock with bounded waits.
#include <asyncore/asyncore.hpp>

#include "map_state.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asyncore::backend;
using asyncore_test::param;

std::atomic<std::int64_t> g_now{1000000};
std::int64_t fake_now() noexcept { return g_now.load(); }

class Timers : public testing::TestWithParam<param> {
 protected:
  void SetUp() override {
    ASYNCORE_SKIP_UNSUPPORTED(GetParam());
    g_now = 1000000;
  }
  backend be() const { return GetParam().be; }
  void drive_clock() { asyncore::detail::core::state(map).clock = &fake_now; }
  void advance(double seconds) { g_now += static_cast<std::int64_t>(seconds * 1e6); }
  void iterate(double timeout = 0) {
    std::error_code ec;
    asyncore::poll_once(timeout, be(), &map, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  asyncore::socket_map map;
};

TEST_P(Timers, test_order_and_fifo_ties) {
  drive_clock();
  std::string order;
  asyncore::call_later(0.3, [&] { order += 'd'; }, &map);
  asyncore::call_later(0.1, [&] { order += 'a'; }, &map);
  asyncore::call_later(0.2, [&] { order += 'b'; }, &map);
  asyncore::call_later(0.2, [&] { order += 'c'; }, &map);  // equal deadline: made later, runs later
  iterate();
  EXPECT_EQ(order, "");
  advance(0.2);
  iterate();
  EXPECT_EQ(order, "abc");
  advance(1);
  iterate();
  EXPECT_EQ(order, "abcd");
  EXPECT_EQ(asyncore::detail::core::state(map).timers.size(), 0u);
}

TEST_P(Timers, test_cancel_before_during_after) {
  drive_clock();
  int runs = 0;
  asyncore::timer before = asyncore::call_later(0.1, [&] { ++runs; }, &map);
  before.cancel();
  EXPECT_FALSE(before.active());
  asyncore::timer self;
  self = asyncore::call_later(0.1, [&] {
    ++runs;
    self.cancel();  // its own callback: allowed, a no-op for a one-shot
    EXPECT_FALSE(self.active());
  }, &map);
  EXPECT_TRUE(self.active());
  advance(0.2);
  iterate();
  EXPECT_EQ(runs, 1);
  self.cancel();  // after: idempotent
  before.cancel();
  EXPECT_FALSE(self.active());
}

TEST_P(Timers, test_cancel_another_from_callback) {
  drive_clock();
  std::string order;
  asyncore::timer second;
  asyncore::call_later(0.1, [&] {
    order += 'a';
    second.cancel();
  }, &map);
  second = asyncore::call_later(0.1, [&] { order += 'b'; }, &map);
  advance(0.5);
  iterate();
  EXPECT_EQ(order, "a");
}

TEST_P(Timers, test_call_every_no_drift_and_cancel_from_itself) {
  drive_clock();
  std::vector<std::int64_t> fired;
  asyncore::timer t;
  t = asyncore::call_every(0.1, [&] {
    fired.push_back(g_now.load());
    if (fired.size() == 4) t.cancel();
  }, &map);
  for (int i = 0; i < 3; ++i) {
    advance(0.1);
    iterate();
  }
  ASSERT_EQ(fired.size(), 3u);
  // Late by 0.35 s: runs once, then back on the 0.1 s grid.
  advance(0.35);
  iterate();
  ASSERT_EQ(fired.size(), 4u);  // cancelled itself
  advance(1);
  iterate();
  EXPECT_EQ(fired.size(), 4u);
  EXPECT_FALSE(t.active());
}

TEST_P(Timers, test_call_every_grid_after_late_loop) {
  drive_clock();
  int runs = 0;
  asyncore::timer t = asyncore::call_every(0.1, [&] { ++runs; }, &map);
  advance(0.55);  // 5 periods late: one run, not five
  iterate();
  EXPECT_EQ(runs, 1);
  // The next deadline is on the grid (1.6 s from the start), not 0.1 s from now.
  advance(0.04);
  iterate();
  EXPECT_EQ(runs, 1);
  advance(0.02);
  iterate();
  EXPECT_EQ(runs, 2);
  t.cancel();
}

TEST_P(Timers, test_reset_and_delay) {
  drive_clock();
  int runs = 0;
  asyncore::timer t = asyncore::call_later(0.1, [&] { ++runs; }, &map);
  advance(0.08);
  t.reset();  // 0.1 s from now again
  advance(0.08);
  iterate();
  EXPECT_EQ(runs, 0);
  t.delay(1.0);
  advance(0.5);
  iterate();
  EXPECT_EQ(runs, 0);
  advance(0.6);
  iterate();
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(t.active());
  t.reset();  // fired: a stale handle does nothing
  EXPECT_FALSE(t.active());
}

TEST_P(Timers, test_zero_delay_rearm_runs_once_per_iteration) {
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    asyncore::call_later(0, again, &map);
  };
  asyncore::call_later(0, again, &map);
  for (int i = 0; i < 5; ++i) iterate();
  EXPECT_EQ(runs, 5);  // the map frees the pending one
}

TEST_P(Timers, test_many_timers_cancelled_leave_nothing) {
  std::vector<asyncore::timer> ts;
  ts.reserve(100000);
  for (int i = 0; i < 100000; ++i) ts.push_back(asyncore::call_later(1.0 + i * 1e-6, [] {}, &map));
  EXPECT_EQ(asyncore::detail::core::state(map).timers.size(), 100000u);
  for (auto& t : ts) t.cancel();
  EXPECT_EQ(asyncore::detail::core::state(map).timers.size(), 0u);
  EXPECT_TRUE(map.empty());
  const auto start = std::chrono::steady_clock::now();
  asyncore::loop(30.0, be(), &map);  // nothing to serve: returns at once
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A handle outlives its timer: after the call ran or was cancelled, and its
// node went back to the map for another timer, the handle does nothing (it
// neither reports the new timer as its own nor cancels it), however many
// timers came and went (the map keeps every node it made until it dies, so
// a stale handle never reads freed memory: the sanitize leg checks that).
TEST_P(Timers, test_stale_handles_do_nothing) {
  drive_clock();
  std::vector<asyncore::timer> fired, cancelled;
  int runs = 0;
  for (int i = 0; i < 1000; ++i) fired.push_back(asyncore::call_later(0, [&] { ++runs; }, &map));
  for (int i = 0; i < 1000; ++i) cancelled.push_back(asyncore::call_later(5.0, [&] { ++runs; }, &map));
  for (auto& t : cancelled) t.cancel();
  iterate();
  ASSERT_EQ(runs, 1000);
  // The recycled nodes now serve new timers.
  std::vector<asyncore::timer> live;
  int late = 0;
  for (int i = 0; i < 2000; ++i) live.push_back(asyncore::call_later(1.0, [&] { ++late; }, &map));
  for (auto* set : {&fired, &cancelled}) {
    for (auto& t : *set) {
      EXPECT_FALSE(t.active());
      t.cancel();
      t.reset();
      t.delay(0.5);
    }
  }
  for (auto& t : live) EXPECT_TRUE(t.active());
  EXPECT_EQ(asyncore::detail::core::state(map).timers.size(), 2000u);
  advance(1.0);
  iterate();
  EXPECT_EQ(late, 2000);
  EXPECT_EQ(runs, 1000);
}

TEST_P(Timers, test_loop_runs_while_timers_live) {
  int runs = 0;
  asyncore::call_later(0.01, [&] { ++runs; }, &map);
  asyncore::call_later(0.02, [&] { ++runs; }, &map);
  asyncore::loop(30.0, be(), &map);  // no channel: returns when both ran
  EXPECT_EQ(runs, 2);
}

class idle : public asyncore::dispatcher {
 public:
  idle(asyncore::socket s, asyncore::socket_map* m) : dispatcher(m) { set_socket(std::move(s), m); }
  bool writable() override { return false; }
  void handle_read() override {}
  void handle_close() override { close(); }
};

TEST_P(Timers, test_channel_timers_die_with_it) {
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  int runs = 0;
  {
    auto* c = new idle(std::move(a), &map);
    c->call_later(0, [&] { ++runs; });
    asyncore::timer every = c->call_every(0.001, [&] { ++runs; });
    c->close();
    EXPECT_FALSE(every.active());
    c->call_later(0, [&] { ++runs; });  // after close: a new timer, cancelled by the destructor
    delete c;
  }
  iterate(0.01);
  iterate(0.01);
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(asyncore::detail::core::state(map).timers.size(), 0u);
}

#if ASYNCORE_HAS_EXCEPTIONS
struct seen_error {
  int count = 0;
  std::string what;
};
void record_error(void* ctx, const asyncore::error_cause& c) {
  auto* s = static_cast<seen_error*>(ctx);
  ++s->count;
  s->what = c.what;
}

class erring : public idle {
 public:
  using idle::idle;
  void handle_error(const asyncore::error_cause& c) override { errors.push_back(c.what); }
  std::vector<std::string> errors;
};

TEST_P(Timers, test_callback_exceptions_go_to_hooks) {
  seen_error seen;
  map.set_callback_error_handler(&record_error, &seen);
  asyncore::call_soon([] { throw std::runtime_error("free timer"); }, &map);
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  erring c(std::move(a), &map);
  c.call_later(0, [] { throw std::runtime_error("channel timer"); });
  EXPECT_NO_THROW(iterate());
  EXPECT_EQ(seen.count, 1);
  EXPECT_EQ(seen.what, "free timer");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "channel timer");
  asyncore::call_soon([] { throw asyncore::exit_now(); }, &map);
  EXPECT_THROW(iterate(), asyncore::exit_now);
  c.close();
}
#endif

// 4 threads x 5000 posts against a 30-second wait: all run, in each thread's
// order, and the loop wakes for them (a lost wake-up would wait 30 s).
TEST_P(Timers, test_threadsafe_posts_from_four_threads) {
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  idle keep(std::move(a), &map);  // the map has a channel: the loop waits
  constexpr int threads = 4, per_thread = 5000;
  int done = 0;
  std::vector<int> last(threads, -1);
  bool in_order = true;
  std::atomic<bool> go{false};
  asyncore::call_soon([&] { go = true; }, &map);
  std::vector<std::thread> posters;
  for (int t = 0; t < threads; ++t) {
    posters.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i) {
        std::error_code pec;
        const bool ok = asyncore::call_soon_threadsafe(
            [&, t, i] {
              if (last[t] != i - 1) in_order = false;
              last[t] = i;
              if (++done == threads * per_thread) map.request_exit();
            },
            &map, pec);
        if (!ok) ADD_FAILURE() << pec.message();
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  asyncore::loop(30.0, be(), &map);
  const auto took = std::chrono::steady_clock::now() - start;
  for (auto& th : posters) th.join();
  EXPECT_EQ(done, threads * per_thread);
  EXPECT_TRUE(in_order);
  EXPECT_LT(took, std::chrono::seconds(20)) << "a wake-up was lost";
  keep.close();
}

TEST_P(Timers, test_request_exit_from_another_thread) {
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  idle keep(std::move(a), &map);
  std::atomic<bool> running{false};
  asyncore::call_soon([&] { running = true; }, &map);
  std::thread stopper([&] {
    while (!running) std::this_thread::yield();
    map.request_exit();
  });
  const auto start = std::chrono::steady_clock::now();
  asyncore::loop(30.0, be(), &map);
  const auto took = std::chrono::steady_clock::now() - start;
  stopper.join();
  EXPECT_LT(took, std::chrono::seconds(20));
  keep.close();
}

TEST_P(Timers, test_post_before_loop_is_not_lost) {
  int runs = 0;
  std::thread poster([&] {
    std::error_code ec;
    EXPECT_TRUE(asyncore::call_soon_threadsafe([&] { ++runs; }, &map, ec)) << ec.message();
  });
  poster.join();
  asyncore::loop(30.0, be(), &map);  // runs the pending call, then has nothing left
  EXPECT_EQ(runs, 1);
}

TEST_P(Timers, test_wait_bounded_by_deadline) {
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  idle keep(std::move(a), &map);
  bool fired = false;
  asyncore::call_later(0.02, [&] { fired = true; }, &map);
  // One iteration with a 30 s timeout: the timer's deadline ends the wait,
  // and the timer runs in that iteration.
  const auto start = std::chrono::steady_clock::now();
  iterate(30.0);
  if (!fired) iterate(30.0);  // a wait may end a little early on some backends
  EXPECT_TRUE(fired);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  keep.close();
}

TEST(TimerApi, test_default_timer_is_inactive) {
  asyncore::timer t;
  EXPECT_FALSE(t.active());
  t.cancel();
  t.reset();
  t.delay(1.0);
  EXPECT_FALSE(t.active());
}

INSTANTIATE_TEST_SUITE_P(asyncore, Timers, testing::ValuesIn(asyncore_test::backend_params()),
                         asyncore_test::param_name);

}  // namespace
