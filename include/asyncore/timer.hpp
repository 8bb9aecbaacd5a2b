// SPDX-License-Identifier: MIT
/// \file
/// Time and threads in the loop.
///
/// Python's asyncore has no timers and no way in from other threads; its
/// users bolted sched or pyftpdlib's CallLater onto loop(count=1). Here both
/// live in the loop, on every platform and backend, in asyncio's and
/// pyftpdlib's words:
///
///     asyncore::call_later(2.0, [] { std::puts("two seconds later"); });
///     asyncore::timer t = asyncore::call_every(1.0, [] { tick(); });   // t.cancel() stops it
///     asyncore::call_soon_threadsafe([&] { chan.push(line); }, &map);  // from any thread
///
/// Rules:
///  - loop() runs while its map has channels, live timers, or calls posted
///    from other threads; its wait is the smaller of `timeout` and the time to
///    the next deadline, rounded up (never a busy spin);
///  - a timer due when an iteration starts runs in that iteration, after the
///    I/O events; equal deadlines run in the order the timers were made; a
///    timer made (or re-armed) by a callback runs in a later iteration, so a
///    call_later(0) that re-arms itself runs once per iteration;
///  - call_every's next deadline is the previous one plus the period (no
///    drift); a loop that is late runs it once, then on the period's grid;
///  - a timer handle is a value: destroying it leaves the call scheduled
///    (asyncio's rule); cancel() is idempotent and allowed anywhere, also in
///    the timer's own callback;
///  - a channel's own timers (dispatcher::call_later, call_every) are cancelled
///    by its close() and its destructor: their callback never runs on a closed
///    or freed channel;
///  - what a callback throws goes to the channel's handle_error for a
///    channel's timer, otherwise to the map's callback error handler
///    (socket_map::set_callback_error_handler; the default logs one line);
///    exit_now leaves loop() as from any handler;
///  - timers belong to the map's thread; call_soon_threadsafe and
///    socket_map::request_exit are the calls any thread may make. A call
///    posted while no loop runs waits for the next one.
///
/// Memory: a callable of up to ASYNCORE_TASK_INLINE_SIZE bytes (a lambda
/// capturing four pointers) is stored in place; timers are recycled by
/// the map, so call_every and re-armed timers allocate nothing per fire.
#ifndef ASYNCORE_TIMER_HPP
#define ASYNCORE_TIMER_HPP

#include <asyncore/config.hpp>
#include <asyncore/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

namespace asyncore {

class socket_map;
class dispatcher;

namespace detail {

struct timer_node;

/// A type-erased `void()` callable, stored in place when it fits in
/// ASYNCORE_TASK_INLINE_SIZE bytes and can be moved without throwing, else on
/// the heap. Move-only.
class ASYNCORE_API task {
 public:
  task() noexcept = default;
  template <class F, class D = std::decay_t<F>, std::enable_if_t<!std::is_same<D, task>::value, int> = 0>
  task(F&& f) {  // NOLINT: implicit, so that any callable converts
    constexpr bool in_place = sizeof(D) <= sizeof(buf_) && alignof(D) <= alignof(std::max_align_t) &&
                              std::is_nothrow_move_constructible<D>::value;
    if constexpr (in_place) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      D* p = new D(std::forward<F>(f));
      std::memcpy(buf_, &p, sizeof p);
      ops_ = &heap_ops<D>;
    }
  }
  task(task&& o) noexcept { take(o); }
  task& operator=(task&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  void operator()() { ops_->invoke(buf_); }
  explicit operator bool() const noexcept { return ops_ != nullptr; }
  void reset() noexcept {
    if (ops_) ops_->destroy(buf_);
    ops_ = nullptr;
  }

 private:
  struct ops {
    void (*invoke)(void*);
    void (*move)(void* dst, void* src) noexcept;  // leaves src destroyed
    void (*destroy)(void*) noexcept;
  };
  template <class D>
  static constexpr ops inline_ops = {
      [](void* p) { (*static_cast<D*>(p))(); },
      [](void* dst, void* src) noexcept {
        ::new (dst) D(std::move(*static_cast<D*>(src)));
        static_cast<D*>(src)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};
  template <class D>
  static D* heap_ptr(void* p) noexcept {
    D* d;
    std::memcpy(&d, p, sizeof d);
    return d;
  }
  template <class D>
  static constexpr ops heap_ops = {[](void* p) { (*heap_ptr<D>(p))(); },
                                   [](void* dst, void* src) noexcept { std::memcpy(dst, src, sizeof(D*)); },
                                   [](void* p) noexcept { delete heap_ptr<D>(p); }};
  void take(task& o) noexcept {
    ops_ = o.ops_;
    if (ops_) ops_->move(buf_, o.buf_);
    o.ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buf_[ASYNCORE_TASK_INLINE_SIZE];
  const ops* ops_ = nullptr;
};

/// Seconds to whole microseconds, rounded up; negative and NaN are 0.
ASYNCORE_API std::int64_t seconds_to_us(double seconds) noexcept;

enum class timer_kind : std::uint8_t { once, every };
ASYNCORE_API timer_node* schedule(socket_map* map, dispatcher* owner, std::int64_t delay_us, std::int64_t period_us,
                                  task fn);
ASYNCORE_API std::uint32_t generation_of(const timer_node* n) noexcept;
ASYNCORE_API bool post(socket_map* map, task fn, std::error_code& ec);

}  // namespace detail

/// A handle to a scheduled call (asyncio's TimerHandle, pyftpdlib's
/// CallLater). Default-constructed it refers to nothing. Copyable and
/// movable: copies refer to the same call. A handle must not be used after
/// its map is destroyed. A map keeps the memory of its peak number of live
/// timers (about 112 bytes each on 64-bit targets) until it is destroyed, so
/// scheduling allocates nothing once that peak is reached.
class ASYNCORE_API timer {
 public:
  /// A handle that refers to nothing: active() is false, cancel() and
  /// reset() do nothing.
  timer() noexcept = default;

  /// Stops the call (idempotent; allowed inside any callback, its own too).
  void cancel() noexcept;
  /// True while the call is scheduled (a one-shot timer is no longer active
  /// once its callback has started).
  bool active() const noexcept;
  /// Schedules the call again its original delay (or period) from now
  /// (pyftpdlib's reset()). Inside its own callback this re-arms a one-shot
  /// timer; a handle whose call has fired (and returned) or was cancelled
  /// refers to nothing any more, and reset() then does nothing.
  void reset() noexcept;
  /// Schedules the call `seconds` from now and makes that its delay
  /// (pyftpdlib's delay()); for call_every it becomes the period.
  void delay(double seconds) noexcept;
  /// When the call is due next (the time_point of steady_clock), if active;
  /// otherwise now.
  std::chrono::steady_clock::time_point when() const noexcept;

  /// Internal: wraps a scheduled node.
  explicit timer(detail::timer_node* n) noexcept : node_(n), generation_(n ? detail::generation_of(n) : 0) {}

 private:
  detail::timer_node* live() const noexcept;
  detail::timer_node* node_ = nullptr;
  std::uint32_t generation_ = 0;
};

/// Calls `fn` once, `seconds` from now (asyncio's loop.call_later), in the
/// loop of `map` (null: default_map()), on that loop's thread. The returned
/// handle can cancel it; dropping the handle leaves the call scheduled. What
/// `fn` throws goes to the map's callback error handler (see timer.hpp).
template <class F>
timer call_later(double seconds, F&& fn, socket_map* map = nullptr) {
  return timer(detail::schedule(map, nullptr, detail::seconds_to_us(seconds), 0, detail::task(std::forward<F>(fn))));
}

/// Calls `fn` once at `when` (asyncio's loop.call_at, on steady_clock); a
/// time in the past runs it in the next iteration. Otherwise as call_later().
template <class F>
timer call_at(std::chrono::steady_clock::time_point when, F&& fn, socket_map* map = nullptr) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(when - std::chrono::steady_clock::now());
  return timer(detail::schedule(map, nullptr, left.count() > 0 ? static_cast<std::int64_t>(left.count()) : 0, 0,
                                detail::task(std::forward<F>(fn))));
}

/// Calls `fn` every `period` seconds, the first time one period from now
/// (pyftpdlib's CallEvery), until cancelled; otherwise as call_later(). A
/// timer that keeps running keeps loop() running too.
template <class F>
timer call_every(double period, F&& fn, socket_map* map = nullptr) {
  const std::int64_t p = detail::seconds_to_us(period);
  return timer(detail::schedule(map, nullptr, p, p > 0 ? p : 1, detail::task(std::forward<F>(fn))));
}

/// Calls `fn` in the next loop iteration (asyncio's loop.call_soon), after
/// its I/O events; otherwise as call_later(). Only from the map's thread:
/// other threads use call_soon_threadsafe().
template <class F>
timer call_soon(F&& fn, socket_map* map = nullptr) {
  return timer(detail::schedule(map, nullptr, 0, 0, detail::task(std::forward<F>(fn))));
}

/// Hands `fn` to the loop of `map` (null: the default map) from any thread,
/// and wakes that loop if it is waiting. Calls run in the order posted, in
/// the loop's thread, at the start of its next iteration; a call posted while
/// no loop runs waits for the next loop. False (and `ec`) only when the
/// call could not be stored (out of memory).
template <class F>
bool call_soon_threadsafe(F&& fn, socket_map* map, std::error_code& ec) {
  return detail::post(map, detail::task(std::forward<F>(fn)), ec);
}

#if ASYNCORE_HAS_EXCEPTIONS
/// As call_soon_threadsafe(F&&, socket_map*, std::error_code&); throws
/// std::system_error when the call could not be stored.
template <class F>
void call_soon_threadsafe(F&& fn, socket_map* map = nullptr) {
  std::error_code ec;
  if (!detail::post(map, detail::task(std::forward<F>(fn)), ec)) detail::throw_error(ec, "call_soon_threadsafe");
}
#endif

}  // namespace asyncore

#endif  // ASYNCORE_TIMER_HPP
