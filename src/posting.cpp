// SPDX-License-Identifier: MIT
// asyncore for C++: every way into a map from another thread or an interrupt
// handler (call_soon_threadsafe, socket_map::request_exit), the wake-up
// channel that ends the loop's wait, and the post_service through which the
// loop reaches them (src/map_state.hpp; the loop runs the calls in
// src/loop.cpp).
//
// Keep in this file only what those calls need: a program links it exactly
// when it can post, and its static initialiser is what gives every map a
// wake-up channel. Anything the loop calls directly belongs elsewhere.
#include <asyncore/dispatcher.hpp>
#include <asyncore/log.hpp>
#include <asyncore/socket_map.hpp>
#include <asyncore/timer.hpp>

#include "core.hpp"
#include "map_state.hpp"
#include "platform.hpp"
#include "timers.hpp"

#include <new>
#include <string>

namespace asyncore {
namespace detail {

namespace pf = platform;

// -- posting --------------------------------------------------------------------------

namespace {

void prepare_wake(map_state& m) noexcept;
void free_blocks(post_queue& q) noexcept;
constexpr post_service service{&prepare_wake, &run_posted, &free_blocks};

// post_ops is set before main(), from this file's static initialiser (see
// src/map_state.hpp): no thread can post before this file is linked in.
// post() and request_exit() set it again, for a start-up that runs no
// static constructors: what they ask for then happens at the loop's next
// iteration (the wait in progress is not cut short).
void announce() noexcept {
  if (!post_ops.load(std::memory_order_relaxed)) post_ops.store(&service, std::memory_order_relaxed);
}
struct install_service {
  install_service() noexcept { announce(); }
} installer;

}  // namespace

bool post(socket_map* map, task fn, std::error_code& ec) {
  ec.clear();
  announce();
  map_state& m = core::state(map ? *map : default_map());
  post_queue& q = m.posts;
  // A new block is allocated outside the lock (the allocator may block, and
  // an interrupt handler must never wait for it), then the post tries again.
  post_block* fresh = nullptr;
  for (;;) {
    native_handle_type wake = invalid_handle;
    bool done = false;
    {
      const post_queue::guard lock(q);
      if (!q.tail || q.tail->count == post_block::capacity) {
        post_block* b = q.spare;
        if (b) {
          q.spare = b->next;
          --q.spare_count;
          b->next = nullptr;
        } else {
          b = fresh;
          fresh = nullptr;
        }
        if (b) {
          if (q.tail) {
            q.tail->next = b;
          } else {
            q.head = b;
          }
          q.tail = b;
        }
      }
      if (q.tail && q.tail->count < post_block::capacity) {
        q.tail->items[q.tail->count++] = std::move(fn);
        q.pending.store(true, std::memory_order_release);
        if (!q.posted) {
          wake = q.wake_end.load(std::memory_order_relaxed);
          q.posted = wake != invalid_handle;
        }
        done = true;
      }
    }
    if (done) {
      delete fresh;  // another post linked a block meanwhile
      if (wake != invalid_handle) pf::wake_signal(wake);
      return true;
    }
    fresh = new (std::nothrow) post_block;
    if (!fresh) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return false;
    }
  }
}

void map_state::wake() noexcept {
  // No lock: request_exit() may run in a signal handler that interrupted
  // the loop's thread while it held the lock. The handle stays open until
  // the map is destroyed, after which nothing may wake it.
  const native_handle_type h = posts.wake_end.load(std::memory_order_acquire);
  if (h != invalid_handle) pf::wake_signal(h);
}

// -- the wake-up channel --------------------------------------------------------------

void map_state::hide(dispatcher& d) noexcept {
  if (!d.registered()) return;
  slots[d.slot_].state |= slot_hidden;
  ++hidden;
}

namespace {

// The map's wake-up channel: registered like any channel so that every
// backend watches it, hidden from the application (size, channels, find).
// A read event drains the handle, then clears the "posted" flag (in that
// order: the other one loses wake-ups), then runs what was posted.
class waker_channel final : public dispatcher {
 public:
  waker_channel(map_state& m, native_handle_type watch, native_handle_type signal_end)
      : dispatcher(m.owner), m_(m), watch_(watch), signal_end_(signal_end) {
    set_socket(asyncore::socket(watch), m.owner);
    m.hide(*this);
    set_stable_predicates(true);
  }
  ~waker_channel() override {
    {
      const post_queue::guard lock(m_.posts);
      m_.posts.wake_end.store(invalid_handle, std::memory_order_release);
    }
    close();
    pf::wake_close(watch_, signal_end_);
  }
  bool readable() override { return true; }
  bool writable() override { return false; }
  void handle_read() override {
    pf::wake_drain(watch_);
    {
      const post_queue::guard lock(m_.posts);
      m_.posts.posted = false;
    }
    run_posted(m_);
  }
  void handle_close() override {}  // never closes: the map owns it
  void handle_error(const error_cause& cause) override {
    write_log(log_stream::log, "log: asyncore wake-up: " + cause.what);
  }
  std::string_view type_name() const override { return "asyncore::wake-up"; }

 private:
  map_state& m_;
  native_handle_type watch_;
  native_handle_type signal_end_;
};

void prepare_wake(map_state& m) noexcept {
  native_handle_type watch = invalid_handle, signal_end = invalid_handle;
  std::error_code ec;
  pf::make_wake(watch, signal_end, ec);
  if (ec) {
    m.waker_failed = true;
    write_log(log_stream::log, "log: asyncore: no wake-up handle for this map (" + error_text(ec) +
                                   "); calls posted from other threads run at the next iteration");
    return;
  }
#if ASYNCORE_HAS_EXCEPTIONS
  try {
    m.waker.reset(new waker_channel(m, watch, signal_end));
  } catch (...) {
    m.waker_failed = true;
    return;
  }
#else
  m.waker.reset(new waker_channel(m, watch, signal_end));
#endif
  // Where interrupt handlers may post, two blocks of posted calls are kept
  // from now on: one takes posts while the loop runs the other's calls, which
  // then goes back to `spare` (run_posted). A handler's post then allocates
  // nothing while fewer than post_block::capacity calls wait.
  post_block* ready = nullptr;
  if (pf::posts_from_interrupts()) {
    for (int i = 0; i < 2; ++i) {
      post_block* b = new (std::nothrow) post_block;
      if (!b) break;
      b->next = ready;
      ready = b;
    }
  }
  bool signal;
  {
    const post_queue::guard lock(m.posts);
    m.posts.wake_end.store(signal_end, std::memory_order_release);
    signal = m.posts.posted;
    while (ready) {
      post_block* b = ready;
      ready = b->next;
      b->next = m.posts.spare;
      m.posts.spare = b;
      ++m.posts.spare_count;
    }
  }
  if (signal) pf::wake_signal(signal_end);
}

void free_blocks(post_queue& q) noexcept {
  for (post_block* list : {q.head, q.spare}) {
    while (list) {
      post_block* next = list->next;
      delete list;
      list = next;
    }
  }
}

}  // namespace
}  // namespace detail

void socket_map::request_exit() noexcept {
  detail::announce();
  state_->exit_requested.store(true, std::memory_order_release);
  state_->wake();  // from another thread: end the wait now
}

}  // namespace asyncore
