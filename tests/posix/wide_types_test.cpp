// SPDX-License-Identifier: MIT
// 32-bit correctness (issue 6): on Linux armhf (Debian 12) `long` and
// `time_t` are 32 bits and std::size_t is 32 bits, so anything that holds a
// duration in microseconds or a byte count of a whole transfer must not go
// through them. These tests run on every POSIX target and matter most under
// qemu-arm (ci/arm-linux):
//
//  - timeouts above 2^31 microseconds (about 2147 s) and above 2^31
//    milliseconds reach poll(2), select(2) and epoll_wait(2) converted
//    without overflow: the conversion helper directly, the value the backends
//    actually pass to the system call (through the syscall seam of
//    src/posix/syscalls.hpp, so nothing waits), and real waits with huge
//    timeouts on a channel that is already ready (they must return at once,
//    not fail with EINVAL);
//  - transfers above 4 GiB are counted without overflow: async_chat's byte
//    count terminator and its record size, driven in-process through
//    process_incoming() with views of one 1 MiB buffer (5 GiB "arrive" in a
//    few thousand calls, no byte is copied, nothing streams through qemu).
//
// Everything is bounded: no test sleeps or waits on the clock.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "poller.hpp"
#include "posix/syscalls.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/select.h>

#include <climits>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::int64_t two_pow_31 = std::int64_t{1} << 31;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

// -- the conversion helper --------------------------------------------------------

TEST(WideTypes, TimeoutMsCeilAbove2Pow31Microseconds) {
  using asyncore::detail::timeout_ms_ceil;
  EXPECT_EQ(timeout_ms_ceil(-1), -1);
  EXPECT_EQ(timeout_ms_ceil(0), 0);
  EXPECT_EQ(timeout_ms_ceil(1), 1);
  EXPECT_EQ(timeout_ms_ceil(two_pow_31 - 1), 2147484);
  EXPECT_EQ(timeout_ms_ceil(two_pow_31), 2147484);
  EXPECT_EQ(timeout_ms_ceil(two_pow_31 + 1), 2147484);
  EXPECT_EQ(timeout_ms_ceil(2'200'000'000), 2'200'000);          // 2200 s
  EXPECT_EQ(timeout_ms_ceil(std::int64_t{1} << 32), 4294968);    // 2^32 us
  EXPECT_EQ(timeout_ms_ceil(std::int64_t{INT_MAX} * 1000), INT_MAX);
  // Above INT_MAX milliseconds (24.8 days) the wait is clamped, not wrapped.
  EXPECT_EQ(timeout_ms_ceil(std::int64_t{INT_MAX} * 1000 + 1), INT_MAX);
  EXPECT_EQ(timeout_ms_ceil(two_pow_31 * 1000), INT_MAX);
  EXPECT_EQ(timeout_ms_ceil(std::int64_t{1} << 52), INT_MAX);
  // The longest finite wait the loop passes on (longer ones mean "forever").
  EXPECT_EQ(timeout_ms_ceil(4'000'000'000'000'000'000), INT_MAX);
}

// -- what the backends pass to the system call --------------------------------------

namespace pz = asyncore::detail::posix;

struct recorded_wait {
  int calls = 0;
  int poll_ms = 0;
  bool select_null = false;  // select got no timeval: no limit
  long long tv_sec = 0;
  long long tv_usec = 0;
};
recorded_wait g_wait;

int fake_poll(pollfd*, nfds_t, int timeout_ms) {
  ++g_wait.calls;
  g_wait.poll_ms = timeout_ms;
  return 0;  // nothing ready: the iteration ends at once
}

int fake_select(int, fd_set*, fd_set*, fd_set*, timeval* tv) {
  ++g_wait.calls;
  g_wait.select_null = tv == nullptr;
  if (tv) {
    g_wait.tv_sec = static_cast<long long>(tv->tv_sec);
    g_wait.tv_usec = static_cast<long long>(tv->tv_usec);
  }
  return 0;
}

// Replaces poll/select for one test and restores the real ones.
struct fake_waits {
  fake_waits() {
    g_wait = recorded_wait{};
    pz::sys().poll = &fake_poll;
    pz::sys().select = &fake_select;
  }
  ~fake_waits() { pz::sys() = pz::real_sys(); }
};

// A channel on one end of a socket pair that wants to read.
class reader : public asyncore::dispatcher {
 public:
  explicit reader(asyncore::socket_map* m) : dispatcher(m) {}
  int reads = 0;
  bool readable() override { return true; }
  bool writable() override { return false; }
  void handle_read() override {
    ++reads;
    char buf[64];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
};

struct pair_rig {
  asyncore::socket_map map;
  asyncore::socket peer;
  reader ch{&map};
  pair_rig() {
    asyncore::socket mine;
    std::error_code ec;
    EXPECT_TRUE(asyncore::socket_pair(mine, peer, ec)) << ec.message();
    ch.set_socket(std::move(mine), &map);
    ch.connected = true;
  }
  void make_ready() {
    std::error_code ec;
    EXPECT_EQ(peer.send("x", 1, ec), 1u) << ec.message();
  }
};

// One loop iteration with the fake poll; returns the milliseconds it was given.
int poll_ms_for(double timeout_s) {
  fake_waits fake;
  pair_rig rig;
  std::error_code ec;
  asyncore::loop(timeout_s, asyncore::backend::poll, &rig.map, 1, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(g_wait.calls, 1);
  return g_wait.poll_ms;
}

// The same with the fake select; returns what it was given.
recorded_wait select_wait_for(double timeout_s) {
  fake_waits fake;
  pair_rig rig;
  std::error_code ec;
  asyncore::loop(timeout_s, asyncore::backend::select, &rig.map, 1, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(g_wait.calls, 1);
  return g_wait;
}

TEST(WideTypes, PollBackendGetsTimeoutsAbove2Pow31Microseconds) {
  EXPECT_EQ(poll_ms_for(2200.0), 2'200'000);
  EXPECT_EQ(poll_ms_for(2147.5), 2'147'500);      // 2^31 us + 16352 us
  EXPECT_EQ(poll_ms_for(4295.25), 4'295'250);     // above 2^32 us
  EXPECT_EQ(poll_ms_for(86400.0 * 20), 1'728'000'000);  // 20 days
  EXPECT_EQ(poll_ms_for(3.0e6), INT_MAX);         // above INT_MAX ms: clamped
  EXPECT_EQ(poll_ms_for(1.0e10), INT_MAX);
  EXPECT_EQ(poll_ms_for(1.0e12), INT_MAX);
  EXPECT_EQ(poll_ms_for(asyncore::forever), -1);
  EXPECT_EQ(poll_ms_for(1e-7), 1);  // below a millisecond rounds up, never 0
}

TEST(WideTypes, SelectBackendGetsTimeoutsAbove2Pow31Microseconds) {
  recorded_wait w = select_wait_for(2200.0);
  EXPECT_FALSE(w.select_null);
  EXPECT_EQ(w.tv_sec, 2200);
  EXPECT_EQ(w.tv_usec, 0);

  w = select_wait_for(2147.5);
  EXPECT_EQ(w.tv_sec, 2147);
  EXPECT_EQ(w.tv_usec, 500000);

  w = select_wait_for(4295.25);
  EXPECT_EQ(w.tv_sec, 4295);
  EXPECT_EQ(w.tv_usec, 250000);

  w = select_wait_for(3.0e6);
  EXPECT_EQ(w.tv_sec, 3000000);
  EXPECT_EQ(w.tv_usec, 0);

  // Beyond a 32-bit time_t (68 years): clamped to at least 2^31-1 seconds,
  // never wrapped to a negative or short wait.
  for (double s : {1.0e10, 1.0e12, 4.0e12}) {
    w = select_wait_for(s);
    EXPECT_FALSE(w.select_null) << s;
    EXPECT_GE(w.tv_sec, 0x7fffffffLL) << s;
    EXPECT_LE(w.tv_sec, static_cast<long long>(s)) << s;
    EXPECT_GE(w.tv_usec, 0) << s;
    EXPECT_LT(w.tv_usec, 1000000) << s;
  }

  w = select_wait_for(asyncore::forever);
  EXPECT_TRUE(w.select_null);
}

// -- real waits with huge timeouts on a ready channel --------------------------------

TEST(WideTypes, HugeTimeoutsWithAReadyChannelReturnAtOnce) {
  for (asyncore::backend b : {asyncore::backend::select, asyncore::backend::poll, asyncore::backend::epoll}) {
    if (!asyncore::has_backend(b)) continue;
    for (double s : {2200.0, 4295.25, 3.0e6, 1.0e10, 1.0e12, 1.0e300, asyncore::forever}) {
      pair_rig rig;
      rig.make_ready();
      std::error_code ec;
      asyncore::loop(s, b, &rig.map, 1, ec);
      EXPECT_FALSE(ec) << asyncore::backend_name(b) << " timeout " << s << ": " << ec.message();
      EXPECT_EQ(rig.ch.reads, 1) << asyncore::backend_name(b) << " timeout " << s;
    }
  }
}

// -- byte counts above 4 GiB --------------------------------------------------------

// Counts what async_chat delivers; the input is fed in-process.
class counting_chat : public asyncore::async_chat {
 public:
  explicit counting_chat(asyncore::socket_map* m) : async_chat(m) { set_max_record_size(0); }
  std::uint64_t collected = 0;
  std::uint64_t collected_at_found = 0;
  int found = 0;

  void collect_incoming_data(std::string_view data) override { collected += data.size(); }
  void found_terminator() override {
    ++found;
    collected_at_found = collected;
  }
  // Feeds `total` bytes as views of one buffer (no copies).
  void feed(std::uint64_t total) {
    static const std::string chunk(std::size_t{1} << 20, 'x');
    while (total > 0) {
      const std::size_t n = total < chunk.size() ? static_cast<std::size_t>(total) : chunk.size();
      process_incoming(std::string_view(chunk.data(), n));
      total -= n;
    }
  }
};

TEST(WideTypes, CountTerminatorAbove4GiB) {
  asyncore::socket_map map;
  counting_chat ch(&map);
  const std::uint64_t want = 5 * GiB + 123;
  ch.set_terminator(want);
  ASSERT_TRUE(ch.get_terminator().is_count());
  EXPECT_EQ(static_cast<std::uint64_t>(ch.get_terminator().count()), want);

  ch.feed(want - 1);
  EXPECT_EQ(ch.found, 0) << "found_terminator after " << ch.collected_at_found << " of " << want << " bytes";
  EXPECT_EQ(ch.collected, want - 1);
  EXPECT_EQ(static_cast<std::uint64_t>(ch.get_terminator().count()), 1u);

  ch.feed(2);
  EXPECT_EQ(ch.found, 1);
  EXPECT_EQ(ch.collected_at_found, want);
  EXPECT_EQ(ch.collected, want + 1);  // then the count is 0: everything is collected
}

TEST(WideTypes, CountTerminatorOfExactly4GiB) {
  asyncore::socket_map map;
  counting_chat ch(&map);
  ch.set_terminator(std::uint64_t{4} * GiB);
  EXPECT_TRUE(static_cast<bool>(ch.get_terminator())) << "a count of 4 GiB became 0";
  EXPECT_EQ(ch.get_terminator().repr(), "4294967296");
  ch.feed(20);
  EXPECT_EQ(ch.found, 0);
  EXPECT_EQ(static_cast<std::uint64_t>(ch.get_terminator().count()), 4 * GiB - 20);
}

TEST(WideTypes, TerminatorValueOfCountAbove4GiB) {
  // Not constants: where of_count takes a 32-bit size_t the truncation must
  // show here as a failure, not stop the build (-Werror=overflow).
  std::uint64_t six = 6 * GiB + 7, two = 2 * GiB + 7;
  const asyncore::terminator t = asyncore::terminator::of_count(six);
  EXPECT_EQ(static_cast<std::uint64_t>(t.count()), 6 * GiB + 7);
  EXPECT_EQ(t.repr(), "6442450951");
  EXPECT_NE(t, asyncore::terminator::of_count(two));
}

TEST(WideTypes, RecordSizeAbove4GiB) {
  asyncore::socket_map map;
  counting_chat ch(&map);
  ch.set_terminator(std::nullopt);  // stream everything, no limit (set_max_record_size(0))
  ch.feed(5 * GiB);
  EXPECT_EQ(ch.collected, 5 * GiB);
  EXPECT_EQ(ch.found, 0);
  EXPECT_EQ(static_cast<std::uint64_t>(ch.record_size()), 5 * GiB);
}

}  // namespace
