// SPDX-License-Identifier: MIT
// asyncore for C++: timers (see src/timers.hpp; the loop runs them in
// src/loop.cpp, through the timer_service this file sets; posted calls and
// the wake-up channel are in src/posting.cpp).
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
void timer_queue::free_nodes() noexcept {
  heap_.clear();
  free_ = nullptr;
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

namespace {

void cancel_all(timer_node*& head) noexcept {
  while (head) cancel_node(head);
}

void destroy_timers(map_state& m) noexcept {
  m.timers.orphan_all();
  m.timers.free_nodes();
}

// Reached only through map_state::timer_ops, which schedule() sets: a
// program that makes no timer links none of this (src/map_state.hpp).
constexpr timer_service timer_ops{&run_timers, &cancel_all, &destroy_timers};

}  // namespace

std::int64_t seconds_to_us(double seconds) noexcept {
  if (!(seconds > 0)) return 0;  // negative and NaN: now
  const double us = std::ceil(seconds * 1e6);
  return us > 4.0e18 ? static_cast<std::int64_t>(4e18) : static_cast<std::int64_t>(us);
}

std::uint32_t generation_of(const timer_node* n) noexcept { return n->generation; }

std::int64_t map_state::platform_now() noexcept { return pf::monotonic_us(); }

timer_node* schedule(socket_map* map, dispatcher* owner, std::int64_t delay_us, std::int64_t period_us, task fn) {
  map_state& m = core::state(map ? *map : default_map());
  m.timer_ops = &timer_ops;
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
