// SPDX-License-Identifier: MIT
// Timers and cross-thread posts beside libuv and standalone Asio (issue 12).
// bench/timers.py runs it (several rounds, peers alternated) and writes the
// table; one run of one peer per process:
//
//     timers_bench timers  ours|uv|asio N      schedule N, cancel half, fire the rest
//     timers_bench posts   ours|uv|asio COUNT  a producer thread posts COUNT calls to the loop thread
//     timers_bench latency ours|uv|asio COUNT  COUNT single posts to an idle loop, post to callback
//
// Each prints one line of key=value pairs.
//
// timers: the same work for the three. Timer i is due 1 ms + h(i) mod 50 ms
// after it is made (h a multiplicative hash, so deadlines arrive shuffled;
// libuv takes the same delay rounded up to its millisecond), its callback
// counts one fire; every odd timer (in the order made) is then cancelled;
// the process sleeps (not timed) until every deadline has passed, then runs
// its loop until it returns, so that the loop pops every due timer in one
// go and the figure is the timer structure's cost, not the clock's
// resolution or the number of wake-ups. Each peer keeps its N handles in an
// array it allocates inside the timed region (uv_timer_t[N],
// std::vector<asio::steady_timer>, std::vector<asyncore::timer>). Before
// the timed region each loop runs once with one zero-delay timer, so that
// lazily made state (our wake-up handle, the epoll set) is not counted.
// Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: a shared machine
// preempting us does not count), reported per operation: N schedules + N/2
// cancels + N/2 fires = 2N operations.
//
// posts: a producer thread posts COUNT callables (each captures one pointer
// and counts a call) to a loop thread that waits with a long timeout; the
// figure is COUNT over the wall time from the first post to the last call.
// Ours: call_soon_threadsafe; Asio: asio::post to the io_context; libuv:
// a std::mutex-protected std::vector<std::function<void()>> and
// uv_async_send (the usual pattern; the async callback swaps the vector out
// under the lock and runs it).
//
// latency: the same three paths, one post at a time to a loop that is idle
// (waiting with a long timeout); the producer stamps steady_clock before the
// post, the callback after; the producer waits for the callback and then
// 100 µs more so that the loop is back in its wait before the next post.
#include <asyncore/asyncore.hpp>

#include <asio.hpp>
#include <uv.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now().time_since_epoch()).count();
}

constexpr std::int64_t spread_us = 50000;
constexpr std::int64_t base_us = 1000;

std::int64_t delay_us(std::uint32_t i) {
  const std::uint32_t h = i * 2654435761u;
  return base_us + static_cast<std::int64_t>(h % static_cast<std::uint32_t>(spread_us));
}

struct phases {
  double schedule = 0, cancel = 0, fire = 0;  // thread CPU ns
  long fired = 0;
};

// Sleeps (not timed) until every deadline made before `made_by` has passed.
void wait_all_due(clk::time_point made_by) {
  std::this_thread::sleep_until(made_by + std::chrono::microseconds(base_us + spread_us + 2000));
}

// -- timers -------------------------------------------------------------------

phases timers_ours(std::uint32_t n) {
  asyncore::socket_map map;
  phases p;
  long fired = 0;
  long* fp = &fired;
  {  // warm-up: the wake-up handle and the epoll set exist before timing
    asyncore::call_later(0.0, [] {}, &map);
    asyncore::loop(1.0, asyncore::backend::epoll, &map);
  }
  double t0 = thread_cpu_ns();
  std::vector<asyncore::timer> h;
  h.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i)
    h.push_back(asyncore::call_later(static_cast<double>(delay_us(i)) * 1e-6, [fp] { ++*fp; }, &map));
  double t1 = thread_cpu_ns();
  for (std::uint32_t i = 1; i < n; i += 2) h[i].cancel();
  double t2 = thread_cpu_ns();
  wait_all_due(clk::now());
  double t3 = thread_cpu_ns();
  asyncore::loop(1.0, asyncore::backend::epoll, &map);
  double t4 = thread_cpu_ns();
  p.schedule = t1 - t0;
  p.cancel = t2 - t1;
  p.fire = t4 - t3;
  p.fired = fired;
  return p;
}

void uv_count(uv_timer_t* t) { ++*static_cast<long*>(t->data); }

phases timers_uv(std::uint32_t n) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  phases p;
  long fired = 0;
  {
    uv_timer_t w;
    uv_timer_init(&loop, &w);
    uv_timer_start(&w, [](uv_timer_t*) {}, 0, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&w), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_update_time(&loop);
  double t0 = thread_cpu_ns();
  std::unique_ptr<uv_timer_t[]> ts(new uv_timer_t[n]);
  for (std::uint32_t i = 0; i < n; ++i) {
    uv_timer_init(&loop, &ts[i]);
    ts[i].data = &fired;
    uv_timer_start(&ts[i], uv_count, static_cast<std::uint64_t>((delay_us(i) + 999) / 1000), 0);
  }
  double t1 = thread_cpu_ns();
  for (std::uint32_t i = 1; i < n; i += 2) uv_timer_stop(&ts[i]);
  double t2 = thread_cpu_ns();
  wait_all_due(clk::now());
  double t3 = thread_cpu_ns();
  uv_run(&loop, UV_RUN_DEFAULT);
  double t4 = thread_cpu_ns();
  p.schedule = t1 - t0;
  p.cancel = t2 - t1;
  p.fire = t4 - t3;
  p.fired = fired;
  // The handles are left to the process's end (closing N handles is not
  // part of the work measured for the others either).
  ts.release();
  return p;
}

phases timers_asio(std::uint32_t n) {
  asio::io_context io;
  phases p;
  long fired = 0;
  long* fp = &fired;
  {
    asio::steady_timer w(io, std::chrono::microseconds(0));
    w.async_wait([](const std::error_code&) {});
    io.run();
    io.restart();
  }
  double t0 = thread_cpu_ns();
  std::vector<asio::steady_timer> ts;
  ts.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    ts.emplace_back(io, std::chrono::microseconds(delay_us(i)));
    ts.back().async_wait([fp](const std::error_code& ec) {
      if (!ec) ++*fp;
    });
  }
  double t1 = thread_cpu_ns();
  for (std::uint32_t i = 1; i < n; i += 2) ts[i].cancel();
  double t2 = thread_cpu_ns();
  wait_all_due(clk::now());
  double t3 = thread_cpu_ns();
  io.run();
  double t4 = thread_cpu_ns();
  p.schedule = t1 - t0;
  p.cancel = t2 - t1;
  p.fire = t4 - t3;
  p.fired = fired;
  return p;
}

// -- cross-thread posts ------------------------------------------------------------

// What a posted call does: count, note the time of the last one, and tell
// the loop to stop after the last.
struct sink {
  long got = 0;
  long want = 0;
  std::int64_t last_ns = 0;
  std::function<void()> stop;  // called in the loop thread after the last call
  void hit() {
    if (++got == want) {
      last_ns = mono_ns();
      stop();
    }
  }
};

// A loop thread for each peer: start() runs the loop in a new thread and
// returns once it is running; post() may be called from the producer.
struct ours_peer {
  asyncore::socket_map map;
  asyncore::timer keep;
  std::thread th;
  void start(sink& s) {
    s.stop = [this] {
      keep.cancel();
      map.request_exit();
    };
    std::atomic<bool> up{false};
    th = std::thread([this, &up] {
      keep = asyncore::call_later(3600.0, [] {}, &map);  // the loop's own thread makes its timers
      asyncore::call_soon([&up] { up.store(true); }, &map);
      asyncore::loop(30.0, asyncore::backend::epoll, &map);
    });
    while (!up.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // back in its wait
  }
  template <class F>
  void post(F&& f) {
    asyncore::call_soon_threadsafe(std::forward<F>(f), &map);
  }
  void join() { th.join(); }
};

struct asio_peer {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread th;
  void start(sink& s) {
    s.stop = [this] { io.stop(); };
    std::atomic<bool> up{false};
    asio::post(io, [&up] { up.store(true); });
    th = std::thread([this] { io.run(); });
    while (!up.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  template <class F>
  void post(F&& f) {
    asio::post(io, std::forward<F>(f));
  }
  void join() { th.join(); }
};

struct uv_peer {
  uv_loop_t loop;
  uv_async_t async;
  std::mutex mu;
  std::vector<std::function<void()>> queue;  // under mu
  std::vector<std::function<void()>> running;
  std::thread th;
  static void on_async(uv_async_t* a) {
    auto* self = static_cast<uv_peer*>(a->data);
    {
      std::lock_guard<std::mutex> lock(self->mu);
      self->running.swap(self->queue);
    }
    for (auto& f : self->running) f();
    self->running.clear();
  }
  void start(sink& s) {
    uv_loop_init(&loop);
    uv_async_init(&loop, &async, on_async);
    async.data = this;
    s.stop = [this] { uv_close(reinterpret_cast<uv_handle_t*>(&async), nullptr); };
    std::atomic<bool> up{false};
    post([&up] { up.store(true); });
    th = std::thread([this] { uv_run(&loop, UV_RUN_DEFAULT); });
    while (!up.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  template <class F>
  void post(F&& f) {
    {
      std::lock_guard<std::mutex> lock(mu);
      queue.emplace_back(std::forward<F>(f));
    }
    uv_async_send(&async);
  }
  void join() {
    th.join();
    uv_loop_close(&loop);
  }
};

template <class Peer>
void posts(long count) {
  sink s;
  s.want = count;
  Peer peer;
  peer.start(s);
  sink* sp = &s;
  const std::int64_t t0 = mono_ns();
  for (long i = 0; i < count; ++i) peer.post([sp] { sp->hit(); });
  const std::int64_t t_posted = mono_ns();
  peer.join();
  const double wall = static_cast<double>(s.last_ns - t0);
  std::printf("posts=%ld wall_ms=%.3f posts_per_s=%.0f producer_ns_per_post=%.1f\n", s.got, wall / 1e6,
              static_cast<double>(count) / (wall * 1e-9), static_cast<double>(t_posted - t0) / count);
}

struct stamp {
  std::atomic<std::int64_t> at{0};
};

template <class Peer>
void latency(long count) {
  sink s;
  s.want = 1;  // stop() is called by hand at the end
  Peer peer;
  peer.start(s);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(count));
  stamp st;
  stamp* sp = &st;
  for (long i = 0; i < count; ++i) {
    st.at.store(0, std::memory_order_relaxed);
    const std::int64_t t0 = mono_ns();
    peer.post([sp] { sp->at.store(mono_ns(), std::memory_order_release); });
    std::int64_t t1;
    while ((t1 = st.at.load(std::memory_order_acquire)) == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
    us.push_back(static_cast<double>(t1 - t0) * 1e-3);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  sink* sk = &s;
  peer.post([sk] { sk->hit(); });
  peer.join();
  std::sort(us.begin(), us.end());
  auto q = [&](double f) { return us[std::min(us.size() - 1, static_cast<std::size_t>(f * static_cast<double>(us.size())))]; };
  std::printf("posts=%ld p50_us=%.2f p90_us=%.2f p99_us=%.2f max_us=%.2f\n", count, q(0.5), q(0.9), q(0.99),
              us.back());
}

int usage() {
  std::fprintf(stderr, "usage: timers_bench timers|posts|latency ours|uv|asio N\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return usage();
  const std::string mode = argv[1], peer = argv[2];
  const long n = std::strtol(argv[3], nullptr, 10);
  if (n <= 0) return usage();
  if (mode == "timers") {
    phases p;
    const auto un = static_cast<std::uint32_t>(n);
    if (peer == "ours") {
      p = timers_ours(un);
    } else if (peer == "uv") {
      p = timers_uv(un);
    } else if (peer == "asio") {
      p = timers_asio(un);
    } else {
      return usage();
    }
    if (p.fired != n - n / 2) {
      std::fprintf(stderr, "%s: %ld of %ld timers fired\n", peer.c_str(), p.fired, n - n / 2);
      return 1;
    }
    const double ops = 2.0 * static_cast<double>(n);
    std::printf("n=%ld fired=%ld ns_per_op=%.2f schedule_ns=%.2f cancel_ns=%.2f fire_ns=%.2f\n", n, p.fired,
                (p.schedule + p.cancel + p.fire) / ops, p.schedule / static_cast<double>(n),
                p.cancel / static_cast<double>(n / 2), p.fire / static_cast<double>(n - n / 2));
    return 0;
  }
  if (mode == "posts" || mode == "latency") {
    const bool lat = mode == "latency";
    if (peer == "ours") {
      lat ? latency<ours_peer>(n) : posts<ours_peer>(n);
    } else if (peer == "uv") {
      lat ? latency<uv_peer>(n) : posts<uv_peer>(n);
    } else if (peer == "asio") {
      lat ? latency<asio_peer>(n) : posts<asio_peer>(n);
    } else {
      return usage();
    }
    return 0;
  }
  return usage();
}
