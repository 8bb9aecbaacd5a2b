// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): what a map keeps for timers and for calls
// posted from other threads (see include/asyncore/timer.hpp for the rules).
//
// Timers are nodes in an indexed 4-ary heap ordered by (deadline, sequence
// number), so schedule, cancel and reset are O(log n) and a cancelled timer
// leaves nothing behind. Nodes come from slabs the queue owns (4 nodes, then
// twice as many each time, at most 256 per slab) and go back to its free
// list; they are freed only with the map. So a schedule costs no allocation
// once the map has seen its peak number of live timers, and a handle always
// names memory that is still a node: it holds the node and the generation
// it had, the generation changes when the node is recycled, and a stale
// handle (its timer fired or was cancelled) does nothing. The memory a map
// keeps is that of its peak number of live timers, until it is destroyed.
//
// Posted calls go into blocks under a tiny spin lock (shared_lock: held for a
// push or a swap, never while a call runs or memory is allocated); the loop
// takes the blocks and runs the calls in order. The map's wake-up handle
// (platform::make_wake) is signalled only when the loop is not already due
// to look: the "posted" flag is cleared after the handle is drained, never
// before, so no wake-up is lost.
#ifndef ASYNCORE_SRC_TIMERS_HPP
#define ASYNCORE_SRC_TIMERS_HPP

#include <asyncore/config.hpp>
#include <asyncore/socket.hpp>
#include <asyncore/timer.hpp>

#include <asyncore/detail/flat_vector.hpp>

#include <atomic>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace asyncore {
namespace detail {

struct map_state;

struct timer_node {
  static constexpr std::uint32_t npos = 0xffffffffu;
  map_state* map = nullptr;
  dispatcher* owner = nullptr;  // a channel's own timer: cancelled by its close()
  timer_node* owner_prev = nullptr;
  timer_node* owner_next = nullptr;  // while the node is free: the next free node
  std::int64_t interval = 0;  // what reset() schedules again; call_every's period (> 0)
  std::uint32_t heap_index = npos;  // its deadline and sequence number are in the heap
  std::uint32_t generation = 1;
  bool every = false;      // call_every: scheduled again, `interval` later
  bool running = false;    // its callback runs now: recycled only after
  bool cancelled = false;  // cancelled while running
  task fn;
};

class timer_queue {
 public:
  timer_queue() = default;
  timer_queue(const timer_queue&) = delete;
  timer_queue& operator=(const timer_queue&) = delete;
  ~timer_queue() = default;  // the nodes are freed by free_nodes() (timer_service::destroy)

  timer_node* acquire();
  /// Back to the free list: a new generation, the callable destroyed.
  void release(timer_node* n) noexcept;
  /// Schedules n at `when` (the map's clock, µs); ties run in `seq` order.
  void push(timer_node* n, std::int64_t when, std::uint64_t seq);
  void erase(timer_node* n) noexcept;
  timer_node* top() const noexcept { return heap_.empty() ? nullptr : heap_[0].node; }
  std::int64_t top_when() const noexcept { return heap_[0].when; }
  std::uint64_t top_seq() const noexcept { return heap_[0].seq; }
  /// The deadline of a scheduled node.
  std::int64_t when_of(const timer_node* n) const noexcept { return heap_[n->heap_index].when; }
  void pop() noexcept { erase(heap_[0].node); }
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  std::uint64_t take_seq() noexcept { return next_seq_++; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  /// Unlinks every node from its owner (the map is going away).
  void orphan_all() noexcept;
  /// Frees every node, and the callables still held (the map is going away).
  void free_nodes() noexcept;

 private:
  // The keys live in the heap array itself, beside the node pointer: a sift
  // compares without touching the nodes (one cache line per level instead of
  // a node per comparison, which is what a large heap pays for).
  struct entry {
    std::int64_t when;
    std::uint64_t seq;
    timer_node* node;
  };
  // Four children per parent: half the levels of a binary heap, and the
  // children of a parent lie side by side (96 bytes), so a sift through a
  // heap larger than the cache misses half as often.
  static constexpr std::size_t arity = 4;
  static bool before(const entry& a, const entry& b) noexcept {
    return a.when != b.when ? a.when < b.when : a.seq < b.seq;
  }
  void place(std::size_t i, const entry& e) noexcept {
    heap_[i] = e;
    e.node->heap_index = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;

  static constexpr std::size_t first_slab = 4;
  static constexpr std::size_t max_slab = 256;
  void grow();

  flat_vector<entry> heap_;
  struct slab;                  // a run of nodes (src/timers.cpp)
  slab* slabs_ = nullptr;       // every node there is, newest slab first
  std::size_t next_slab_ = first_slab;
  timer_node* free_ = nullptr;
  std::uint64_t next_seq_ = 0;
};

/// A run of posted calls. Blocks are linked, never moved or grown: a post
/// moves one callable into place, and a backlog costs no reallocation.
struct post_block {
  static constexpr std::size_t capacity = ASYNCORE_POST_BLOCK_CALLS;
  task items[capacity];
  std::size_t count = 0;
  post_block* next = nullptr;
};

/// A spin lock over the few words the loop shares with other threads, and
/// with interrupt handlers where they may post (platform::mask_interrupts:
/// masked while it is held). It is held for loads and stores only, never
/// across an allocation, a system call or a call that may block.
struct shared_lock {
  std::atomic_flag flag = ATOMIC_FLAG_INIT;
  std::uint32_t enter() noexcept;  // returns what leave() restores
  void leave(std::uint32_t mask) noexcept;
};

/// shared_lock for a scope.
class shared_guard {
 public:
  explicit shared_guard(shared_lock& l) noexcept : l_(l), mask_(l.enter()) {}
  ~shared_guard() { l_.leave(mask_); }
  shared_guard(const shared_guard&) = delete;
  shared_guard& operator=(const shared_guard&) = delete;

 private:
  shared_lock& l_;
  std::uint32_t mask_;
};

/// The calls posted from other threads, and the wake-up handle's state.
struct post_queue {
  post_queue() = default;
  post_queue(const post_queue&) = delete;
  post_queue& operator=(const post_queue&) = delete;
  ~post_queue() = default;  // the blocks are freed by post_service::destroy

  shared_lock lock;
  post_block* head = nullptr;  // under lock: the calls posted, in order
  post_block* tail = nullptr;
  post_block* spare = nullptr;  // under lock: emptied blocks kept for reuse
  std::size_t spare_count = 0;
  bool posted = false;  // under lock: the wake-up handle was signalled
  // The wake-up handle's signalling end while the loop watches it, else
  // invalid_handle. Set under the lock; map_state::wake() reads it without
  // (so request_exit() may be called from a signal handler).
  std::atomic<native_handle_type> wake_end{invalid_handle};
  std::atomic<bool> pending{false};

  struct guard : shared_guard {
    explicit guard(post_queue& q) noexcept : shared_guard(q.lock) {}
  };
};

/// Where threads that outlive a call (name resolution's workers) post their
/// answer: the map while it lives, null once it is being destroyed. Shared
/// by the map and the workers, so a late answer is dropped, never posted
/// into a map that is gone.
///
/// The lock covers only the check and the count, never the post itself: a
/// post ends with a system call (the wake-up signal), which can block, and a
/// worker whose signal was slow once made the next worker spin on this lock
/// for the whole 30 s of its resolve (under Wine, in CI). A worker calls
/// enter(), posts if it got a map, then leave(); the map's destructor
/// (retire) waits only for the posts already under way.
struct post_target {
  shared_lock lock;
  socket_map* map = nullptr;            // under lock
  std::atomic<unsigned> posting{0};     // posts between enter() and leave()
  struct guard : shared_guard {
    explicit guard(post_target& t) noexcept : shared_guard(t.lock) {}
  };
  /// The map, kept alive until leave(); nullptr (and no leave()) once it is gone.
  socket_map* enter() noexcept {
    const guard g(*this);
    if (map) posting.fetch_add(1, std::memory_order_relaxed);
    return map;
  }
  void leave() noexcept { posting.fetch_sub(1, std::memory_order_release); }
};

/// Unlinks from its owner, takes it off the heap, and recycles it (or, while
/// its callback runs, marks it so that it is recycled afterwards).
void cancel_node(timer_node* n) noexcept;
/// After a timer's callback: recycles it unless it is scheduled again
/// (call_every, or reset() from its callback).
void retire_node(timer_node* n) noexcept;

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_TIMERS_HPP
