// SPDX-License-Identifier: MIT
// asyncore for C++, MPS2-AN386 port: posts from a real interrupt handler
// (SysTick, every millisecond, through board.c's mps2_tick_hook) reach the
// loop, on lwIP's raw API with no RTOS.
//
// The map's lock for posted calls is a spin lock that the loop's thread also
// takes. Without interrupts masked around it (asyncore_lwip_raw_protect), a
// tick that arrives while the loop holds it spins for ever: on one core the
// code it interrupted never runs again, and the board's watchdog (the
// test's bound in tests/mps2) ends the run.
#include <asyncore/asyncore.hpp>
#include <asyncore/timer.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <new>

// Allocations made inside the tick's handler are counted: a post from an
// interrupt must allocate nothing (the allocator is not reentrant). This
// image's global operator new and delete are these (malloc and free).
namespace {
volatile bool g_in_isr;
volatile int g_isr_allocs;
void* counted(std::size_t n) noexcept {
  if (g_in_isr) g_isr_allocs = g_isr_allocs + 1;
  return std::malloc(n ? n : 1);
}
}  // namespace

void* operator new(std::size_t n) {
  void* p = counted(n);
  if (!p) std::abort();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

extern "C" {
extern void (*volatile mps2_tick_hook)(void);
std::uint32_t sys_now(void);
}

namespace {

asyncore::socket_map* volatile g_map;
volatile int g_isr_posts, g_isr_limit, g_isr_failures;
volatile int g_isr_runs;

void post_from_tick() {
  if (g_isr_posts >= g_isr_limit) return;
  g_in_isr = true;
  g_isr_posts = g_isr_posts + 1;
  std::error_code ec;  // a capture-less call: stored in place, nothing allocated
  if (!asyncore::call_soon_threadsafe([] { g_isr_runs = g_isr_runs + 1; }, g_map, ec))
    g_isr_failures = g_isr_failures + 1;
  g_in_isr = false;
}

struct tick_hook {
  tick_hook(asyncore::socket_map& map, int limit) {
    g_map = &map;
    g_isr_posts = g_isr_runs = g_isr_failures = g_isr_allocs = 0;
    g_isr_limit = limit;
    mps2_tick_hook = post_from_tick;
  }
  ~tick_hook() { mps2_tick_hook = nullptr; }
};

// The loop's thread posts without pause (it holds the lock most of the
// time) while every tick posts too: 300 ticks, so about 300 chances for a
// tick to land inside the loop's locked section.
TEST(InterruptPost, ticks_post_while_the_loop_posts_too) {
  asyncore::socket_map map;
  std::error_code ec;
  [[maybe_unused]] const asyncore::timer keep = asyncore::call_later(60.0, [] {}, &map);  // work: the loop waits
  asyncore::poll_once(0, asyncore::backend::poll, &map, ec);  // the wake-up (and a block of calls) exists
  int loop_posts = 0, loop_runs = 0;
  const std::uint32_t start = sys_now();
  {
    const tick_hook hook(map, 300);
    while (g_isr_runs < 300 && sys_now() - start < 10000) {
      for (int i = 0; i < 16; ++i) {
        asyncore::call_soon_threadsafe([&loop_runs] { ++loop_runs; }, &map, ec);
        ASSERT_FALSE(ec) << ec.message();
        ++loop_posts;
      }
      asyncore::poll_once(0, asyncore::backend::poll, &map, ec);
      ASSERT_FALSE(ec) << ec.message();
    }
  }
  asyncore::poll_once(0, asyncore::backend::poll, &map, ec);
  EXPECT_EQ(g_isr_runs, 300) << "in " << (sys_now() - start) << " ms";
  EXPECT_EQ(g_isr_failures, 0);
  EXPECT_EQ(g_isr_allocs, 0) << "a post from the interrupt handler allocated";
  EXPECT_EQ(loop_runs, loop_posts);
}

// A post from an interrupt ends the loop's idle (WFI) at once: each wait of
// up to 5 s returns after about a tick, and every call runs exactly once.
TEST(InterruptPost, a_tick_post_wakes_the_idle_loop) {
  asyncore::socket_map map;
  std::error_code ec;
  [[maybe_unused]] const asyncore::timer keep = asyncore::call_later(60.0, [] {}, &map);  // work: the loop waits
  asyncore::poll_once(0, asyncore::backend::poll, &map, ec);
  const std::uint32_t start = sys_now();
  std::uint32_t longest = 0;
  {
    const tick_hook hook(map, 20);
    while (g_isr_runs < 20 && sys_now() - start < 10000) {
      const std::uint32_t t0 = sys_now();
      asyncore::poll_once(5.0, asyncore::backend::poll, &map, ec);
      ASSERT_FALSE(ec) << ec.message();
      const std::uint32_t took = sys_now() - t0;
      if (took > longest) longest = took;
    }
  }
  EXPECT_EQ(g_isr_runs, 20);
  EXPECT_EQ(g_isr_failures, 0);
  EXPECT_EQ(g_isr_allocs, 0) << "a post from the interrupt handler allocated";
  EXPECT_LT(longest, 1000u) << "a wait of 5 s did not end when a tick posted";
}

}  // namespace
