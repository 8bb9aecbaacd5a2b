// SPDX-License-Identifier: MIT
// Allocations per timer fire and per posted call (issue 12), counted by a
// replaced global operator new in this binary only (timers_bench has none,
// so that its timings carry no counting cost):
//
//     timers_alloc [FIRES]      (default 100000)
//
// Counts every operator new in the whole loop thread, loop iteration
// included, after a warm-up of 1000 fires, for:
//   call_every   one call_every(1 µs) timer; loop(0.0) so that no wait rounds
//                the period up to the backend's resolution
//   call_later   a call_later(0) whose callback makes the next one
//   reset        one call_later(0) handle re-armed with timer::reset() from
//                its own callback
//   post         call_soon_threadsafe from another thread, one call at a
//                time (the producer waits for each), counting only the
//                loop thread's and the producer's allocations while posting
// Prints one line per case: allocs=<count> per_fire=<count/FIRES>.
#include <asyncore/asyncore.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

namespace {
std::atomic<unsigned long> g_news{0};

void* counted(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
void* counted_aligned(std::size_t n, std::size_t a) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, a, n ? n : 1) != 0) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

constexpr long warmup = 1000;

struct counter {
  long fires = 0;
  long want = 0;
  unsigned long at_start = 0, at_end = 0;
  asyncore::socket_map* map = nullptr;
  // true once the measured fires are done
  bool tick() {
    ++fires;
    if (fires == warmup) at_start = g_news.load();
    if (fires == warmup + want) {
      at_end = g_news.load();
      return true;
    }
    return false;
  }
};

void report(const char* what, const counter& c) {
  const unsigned long a = c.at_end - c.at_start;
  std::printf("%s fires=%ld allocs=%lu per_fire=%.6f\n", what, c.want, a,
              static_cast<double>(a) / static_cast<double>(c.want));
}

void case_every(long n) {
  asyncore::socket_map map;
  counter c;
  c.want = n;
  c.map = &map;
  counter* cp = &c;
  asyncore::timer t;
  asyncore::timer* tp = &t;
  t = asyncore::call_every(1e-6, [cp, tp] {
    if (cp->tick()) tp->cancel();
  }, &map);
  asyncore::loop(0.0, asyncore::backend::epoll, &map);
  report("call_every", c);
}

struct chain {
  counter c;
  asyncore::socket_map* map;
  void arm() {
    chain* self = this;
    asyncore::call_later(0.0, [self] {
      if (!self->c.tick()) self->arm();
    }, map);
  }
};

void case_later(long n) {
  asyncore::socket_map map;
  chain ch;
  ch.c.want = n;
  ch.map = &map;
  ch.arm();
  asyncore::loop(0.0, asyncore::backend::epoll, &map);
  report("call_later", ch.c);
}

void case_reset(long n) {
  asyncore::socket_map map;
  counter c;
  c.want = n;
  counter* cp = &c;
  asyncore::timer t;
  asyncore::timer* tp = &t;
  t = asyncore::call_later(0.0, [cp, tp] {
    if (!cp->tick()) tp->reset();
  }, &map);
  asyncore::loop(0.0, asyncore::backend::epoll, &map);
  report("reset", c);
}

void case_post(long n) {
  asyncore::socket_map map;
  asyncore::timer keep;
  std::atomic<long> done{0};
  std::atomic<bool> up{false};
  std::thread loop_thread([&] {
    keep = asyncore::call_later(3600.0, [] {}, &map);
    asyncore::call_soon([&up] { up.store(true); }, &map);
    asyncore::loop(30.0, asyncore::backend::epoll, &map);
  });
  while (!up.load()) std::this_thread::yield();
  counter c;
  c.want = n;
  std::atomic<long>* dp = &done;
  for (long i = 0; i < warmup + n; ++i) {
    if (i == warmup) c.at_start = g_news.load();
    asyncore::call_soon_threadsafe([dp] { dp->fetch_add(1, std::memory_order_release); }, &map);
    while (done.load(std::memory_order_acquire) != i + 1) std::this_thread::yield();
  }
  c.at_end = g_news.load();
  asyncore::call_soon_threadsafe([&] {
    keep.cancel();
    map.request_exit();
  }, &map);
  loop_thread.join();
  report("post", c);
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: timers_alloc [FIRES]\n");
    return 2;
  }
  case_every(n);
  case_later(n);
  case_reset(n);
  case_post(n);
  return 0;
}
