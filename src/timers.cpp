// SPDX-License-Identifier: MIT
// asyncore for C++: timers, posted calls and the wake-up channel (see
// src/timers.hpp; the loop runs them in src/loop.cpp).
#include <asyncore/dispatcher.hpp>
#include <asyncore/log.hpp>
#include <asyncore/timer.hpp>

#include "core.hpp"
#include "map_state.hpp"
#include "platform.hpp"
#include "timers.hpp"

#include <cmath>
#include <new>
#include <string>

namespace asyncore {
namespace detail {

namespace pf = platform;

// -- the heap -------------------------------------------------------------------------

// A slab: its header, then `count` nodes, in one allocation.
struct alignas(timer_node) timer_queue::slab {  // its size is a multiple of a node's alignment
  slab* next;
  std::size_t count;
  timer_node* nodes() noexcept { return reinterpret_cast<timer_node*>(this + 1); }
};
static_assert(alignof(timer_node) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "operator new aligns the nodes");

// The nodes are the slabs' and go with them; the callables still held (the
// timers that never ran) are destroyed with their nodes.
timer_queue::~timer_queue() {
  while (slab* s = slabs_) {
    slabs_ = s->next;
    for (std::size_t i = 0; i < s->count; ++i) s->nodes()[i].~timer_node();
    ::operator delete(s);
  }
}

void timer_queue::grow() {
  const std::size_t count = next_slab_;
  // operator new aligns the header for a node, and the header's size is a
  // multiple of a node's alignment, so the nodes after it are aligned too.
  void* mem = ::operator new(sizeof(slab) + count * sizeof(timer_node));  // may throw: nothing changed yet
  slab* s = ::new (mem) slab{slabs_, count};
  timer_node* nodes = s->nodes();
  for (std::size_t i = count; i-- > 0;) {
    timer_node* n = ::new (&nodes[i]) timer_node;
    n->owner_next = free_;
    free_ = n;
  }
  slabs_ = s;
  if (next_slab_ < max_slab) next_slab_ *= 2;
}

timer_node* timer_queue::acquire() {
  if (!free_) grow();
  timer_node* n = free_;
  free_ = n->owner_next;
  n->owner_next = nullptr;
  return n;
}

void timer_queue::release(timer_node* n) noexcept {
  if (n->heap_index != timer_node::npos) erase(n);
  n->fn.reset();
  n->owner = nullptr;
  n->owner_prev = n->owner_next = nullptr;
  n->running = n->cancelled = n->every = false;
  ++n->generation;
  n->owner_next = free_;
  free_ = n;
}

void timer_queue::push(timer_node* n, std::int64_t when, std::uint64_t seq) {
  heap_.push_back(entry{when, seq, n});
  n->heap_index = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(heap_.size() - 1);
}

void timer_queue::erase(timer_node* n) noexcept {
  const std::size_t i = n->heap_index;
  n->heap_index = timer_node::npos;
  const entry last = heap_.back();
  heap_.pop_back();
  if (last.node == n) return;
  place(i, last);
  sift_up(i);
  sift_down(last.node->heap_index);
}

void timer_queue::sift_up(std::size_t i) noexcept {
  const entry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / arity;
    if (!before(e, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, e);
}

void timer_queue::sift_down(std::size_t i) noexcept {
  const entry e = heap_[i];
  const std::size_t size = heap_.size();
  for (;;) {
    const std::size_t first = arity * i + 1;
    if (first >= size) break;
    const std::size_t last = first + arity < size ? first + arity : size;
    std::size_t child = first;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(heap_[c], heap_[child])) child = c;
    }
    if (!before(heap_[child], e)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, e);
}

void timer_queue::orphan_all() noexcept {
  for (const entry& e : heap_) {
    timer_node* n = e.node;
    if (n->owner) core::timers(*n->owner) = nullptr;
    n->owner = nullptr;
    n->owner_prev = n->owner_next = nullptr;
  }
}

// -- nodes and owners ---------------------------------------------------------------

namespace {
void unlink_owner(timer_node* n) noexcept {
  if (!n->owner) return;
  if (n->owner_prev) {
    n->owner_prev->owner_next = n->owner_next;
  } else {
    core::timers(*n->owner) = n->owner_next;
  }
  if (n->owner_next) n->owner_next->owner_prev = n->owner_prev;
  n->owner = nullptr;
  n->owner_prev = n->owner_next = nullptr;
}
}  // namespace

void cancel_node(timer_node* n) noexcept {
  unlink_owner(n);
  if (n->running) {
    if (n->heap_index != timer_node::npos) n->map->timers.erase(n);
    n->cancelled = true;  // recycled when its callback returns
    return;
  }
  n->map->timers.release(n);
}

void retire_node(timer_node* n) noexcept {
  n->running = false;
  if (!n->cancelled && n->heap_index != timer_node::npos) return;  // scheduled again
  unlink_owner(n);
  n->map->timers.release(n);
}

void cancel_owned(timer_node*& head) noexcept {
  while (head) cancel_node(head);
}

std::int64_t seconds_to_us(double seconds) noexcept {
  if (!(seconds > 0)) return 0;  // negative and NaN: now
  const double us = std::ceil(seconds * 1e6);
  return us > 4.0e18 ? static_cast<std::int64_t>(4e18) : static_cast<std::int64_t>(us);
}

std::uint32_t generation_of(const timer_node* n) noexcept { return n->generation; }

timer_node* schedule(socket_map* map, dispatcher* owner, std::int64_t delay_us, std::int64_t period_us, task fn) {
  map_state& m = core::state(map ? *map : default_map());
  timer_node* n = m.timers.acquire();
  n->map = &m;
  n->fn = std::move(fn);
  n->every = period_us > 0;
  n->interval = n->every ? period_us : delay_us;
  m.timers.push(n, m.now() + delay_us, m.timers.take_seq());
  if (owner) {
    timer_node*& head = core::timers(*owner);
    n->owner = owner;
    n->owner_next = head;
    if (head) head->owner_prev = n;
    head = n;
  }
  return n;
}

// -- posted calls and the wake-up channel ---------------------------------------------------

bool post(socket_map* map, task fn, std::error_code& ec) {
  ec.clear();
  map_state& m = core::state(map ? *map : default_map());
  post_queue& q = m.posts;
  // A new block is allocated outside the lock (the allocator may block, and
  // an interrupt handler must never wait for it), then the post tries again.
  post_block* fresh = nullptr;
  for (;;) {
    bool signal = false, done = false;
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
        if (q.wake_ready && !q.posted) {
          q.posted = true;
          signal = true;
        }
        done = true;
      }
    }
    if (done) {
      delete fresh;  // another post linked a block meanwhile
      if (signal) pf::wake_signal(q.signal_end);
      return true;
    }
    fresh = new (std::nothrow) post_block;
    if (!fresh) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return false;
    }
  }
}

// -- the shared lock ----------------------------------------------------------------------------

std::uint32_t shared_lock::enter() noexcept {
  const std::uint32_t mask = pf::mask_interrupts();
  while (flag.test_and_set(std::memory_order_acquire)) {
  }
  return mask;
}

void shared_lock::leave(std::uint32_t mask) noexcept {
  flag.clear(std::memory_order_release);
  pf::restore_interrupts(mask);
}

post_queue::~post_queue() {
  for (post_block* list : {head, spare}) {
    while (list) {
      post_block* next = list->next;
      delete list;
      list = next;
    }
  }
}

void map_state::wake() noexcept {
  native_handle_type h = invalid_handle;
  {
    const post_queue::guard lock(posts);
    if (posts.wake_ready) h = posts.signal_end;
  }
  if (h != invalid_handle) pf::wake_signal(h);
}

std::int64_t map_state::platform_now() noexcept { return pf::monotonic_us(); }

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
      m_.posts.wake_ready = false;
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

}  // namespace

void map_state::ensure_waker() noexcept {
  if (waker || waker_failed) return;
  native_handle_type watch = invalid_handle, signal_end = invalid_handle;
  std::error_code ec;
  pf::make_wake(watch, signal_end, ec);
  if (ec) {
    waker_failed = true;
    write_log(log_stream::log, "log: asyncore: no wake-up handle for this map (" + error_text(ec) +
                                   "); calls posted from other threads run at the next iteration");
    return;
  }
#if ASYNCORE_HAS_EXCEPTIONS
  try {
    waker.reset(new waker_channel(*this, watch, signal_end));
  } catch (...) {
    waker_failed = true;
    return;
  }
#else
  waker.reset(new waker_channel(*this, watch, signal_end));
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
    const post_queue::guard lock(posts);
    posts.signal_end = signal_end;
    posts.wake_ready = true;
    signal = posts.posted;
    while (ready) {
      post_block* b = ready;
      ready = b->next;
      b->next = posts.spare;
      posts.spare = b;
      ++posts.spare_count;
    }
  }
  if (signal) pf::wake_signal(signal_end);
}

void map_state::hide(dispatcher& d) noexcept {
  if (!d.registered()) return;
  slots[d.slot_].state |= slot_hidden;
  ++hidden;
}

map_state::~map_state() {
  waker.reset();
  timers.orphan_all();
}

}  // namespace detail

// -- the public handle -------------------------------------------------------------------

detail::timer_node* timer::live() const noexcept {
  return node_ && node_->generation == generation_ ? node_ : nullptr;
}

void timer::cancel() noexcept {
  if (detail::timer_node* n = live()) detail::cancel_node(n);
}

bool timer::active() const noexcept {
  const detail::timer_node* n = live();
  return n && n->heap_index != detail::timer_node::npos;
}

void timer::reset() noexcept {
  detail::timer_node* n = live();
  if (!n || n->cancelled) return;
  detail::timer_queue& q = n->map->timers;
  if (n->heap_index != detail::timer_node::npos) q.erase(n);
  const std::int64_t when = n->map->now() + n->interval;
#if ASYNCORE_HAS_EXCEPTIONS
  try {
    q.push(n, when, q.take_seq());
  } catch (...) {
    detail::cancel_node(n);  // out of memory growing the heap: the call is dropped
  }
#else
  q.push(n, when, q.take_seq());
#endif
}

void timer::delay(double seconds) noexcept {
  detail::timer_node* n = live();
  if (!n) return;
  const std::int64_t us = detail::seconds_to_us(seconds);
  n->interval = n->every && us <= 0 ? 1 : us;
  reset();
}

std::chrono::steady_clock::time_point timer::when() const noexcept {
  const detail::timer_node* n = live();
  const auto now = std::chrono::steady_clock::now();
  if (!n || n->heap_index == detail::timer_node::npos) return now;
  return now + std::chrono::microseconds(n->map->timers.when_of(n) - n->map->now());
}

void socket_map::set_callback_error_handler(callback_error_handler handler, void* context) noexcept {
  state_->error_handler = handler;
  state_->error_context = context;
}

}  // namespace asyncore
