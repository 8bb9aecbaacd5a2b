// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): what a socket_map keeps for its loop and
// backends, behind the public header.
//
// Slots are append-only while an iteration runs (depth > 0): a channel that
// leaves nulls its slot, a channel that joins gets a new slot at the end.
// Events are looked up by slot, so they can never reach a channel that
// closed, nor a new channel that reused the descriptor. Holes are compacted
// and owned channels freed only at depth 0 (collect()).
#ifndef ASYNCORE_SRC_MAP_STATE_HPP
#define ASYNCORE_SRC_MAP_STATE_HPP

#include <asyncore/config.hpp>
#include <asyncore/dispatcher.hpp>
#include <asyncore/socket_map.hpp>

#include "core.hpp"
#include "poller.hpp"
#include "timers.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace asyncore {
namespace detail {

struct timer_service;  // below
struct post_service;

struct map_state {
  map_state() = default;
  ~map_state();
  map_state(const map_state&) = delete;
  map_state& operator=(const map_state&) = delete;

  // -- registration ---------------------------------------------------------
  void add(dispatcher& d);
  void remove(dispatcher& d) noexcept;
  /// make_owned: the map frees `d` after it closes.
  void adopt(dispatcher& d);
  /// An owned channel deleted by hand: the map must not free it again.
  void unbury(dispatcher& d) noexcept;
  dispatcher* find(native_handle_type h) const noexcept;

  // -- iterations -------------------------------------------------------------
  /// Dispatch depth: > 0 while a loop iteration (or close_all) on this map
  /// runs; owned channels are freed and slots compacted only at depth 0.
  void enter() noexcept { ++depth; }
  void leave() noexcept {
    if (depth > 0 && --depth == 0) collect();
  }
  /// Frees closed owned channels and compacts slots (depth 0 only); inline
  /// because the loop calls it every iteration and it usually has nothing to do.
  void collect() noexcept {
    if (depth == 0 && (holes != 0 || !graveyard.empty())) collect_now();
  }
  /// Unregisters every channel, closing the owned ones, and frees those.
  void close_owned_all() noexcept;

  /// The backend's poller, created on first use. A persistent backend that
  /// cannot be created (epoll_create out of descriptors) degrades to poll for
  /// this map, with one log line, rather than failing the loop.
  poller* poller_for(backend b, std::error_code& ec) {
    const std::size_t i = static_cast<std::size_t>(b);
    if (i < backend_count && pollers[serve_as[i]]) {
      if (ec) ec.clear();  // per iteration: clear() calls system_category() out of line
      return pollers[serve_as[i]].get();
    }
    return make_poller(b, ec);
  }

  // -- predicate sampling (see dispatcher::set_stable_predicates) -------------
  // The loop samples the slots listed in `always` (channels without stable
  // predicates; entries may be stale) and those taken from `dirty` (stable
  // channels that were dispatched, are new, or called interest_changed());
  // the others keep their last sampled `want`.
  void mark_dirty(std::uint32_t i) noexcept {
    if (i < slots.size() && (slots[i].state & (slot_stable | slot_dirty)) == slot_stable) {
      slots[i].state |= slot_dirty;
      dirty.push_back(i);  // capacity is kept between iterations: no allocation in steady state
    }
  }
  void set_stable(dispatcher& d, bool on) noexcept;
  /// Sets a slot's sampled interest, keeping the count of slots that want something.
  void set_want(slot& s, std::uint8_t want) noexcept {
    wanting += (want != 0) - (s.want != 0);
    s.want = want;
  }

  // -- time and threads (src/timers.cpp, src/posting.cpp; run by the loop) ----
  /// The map's clock (µs): the platform's monotonic clock, or a test's.
  std::int64_t now() const noexcept { return clock ? clock() : platform_now(); }
  static std::int64_t platform_now() noexcept;
  /// Channels the application sees (the wake-up channel is not one).
  std::size_t visible() const noexcept { return live - hidden; }
  /// True while loop() has something to serve.
  bool has_work() const noexcept {
    return visible() != 0 || !timers.empty() || posts.pending.load(std::memory_order_acquire);
  }
  /// Wakes the loop from any thread, if it watches its wake-up handle (src/posting.cpp).
  void wake() noexcept;
  /// Marks the wake-up channel's slot: not in size(), channels(), find().
  void hide(dispatcher& d) noexcept;
  /// The target of this map's workers (name resolution), made on first use
  /// (in the map's thread).
  const std::shared_ptr<post_target>& worker_target();

  timer_queue timers;
  /// The timers' code, set by the map's first timer (see timer_service).
  const timer_service* timer_ops = nullptr;
  post_queue posts;
  std::shared_ptr<post_target> target;  // for workers that may outlive the map; null until one asks
  std::int64_t (*clock)() noexcept = nullptr;  // tests drive time through this
  socket_map::callback_error_handler error_handler = nullptr;
  void* error_context = nullptr;
  std::unique_ptr<dispatcher> waker;
  bool waker_failed = false;
  std::size_t hidden = 0;

  // -- the lent read buffer -------------------------------------------------
  /// A read buffer shared by the channels of this map (they run on one
  /// thread), lent to one read at a time: async_chat reads into it, so an
  /// idle channel holds no input buffer and a read allocates nothing.
  /// nullptr when it is already lent (a read nested inside another's hooks).
  char* borrow_buffer(std::size_t n);
  void return_buffer() noexcept { buffer_lent = false; }

  socket_map* owner = nullptr;  // the public face of this state
  flat_vector<slot> slots;
#if ASYNCORE_SMALL
  // ASYNCORE_SMALL: no hash index; a handle is found by scanning the slots
  // (a firmware's handful of channels). The live slots hold distinct handles
  // (add() removes the channel a new one replaces), as the index does.
  std::uint32_t slot_of(native_handle_type h) const noexcept {
    for (std::size_t i = 0; i < slots.size(); ++i)
      if (slots[i].d && slots[i].handle == h) return static_cast<std::uint32_t>(i);
    return no_slot;
  }
  void index_set(native_handle_type, std::uint32_t) {}
  void index_erase(native_handle_type, std::uint32_t) noexcept {}
#else
  std::uint32_t slot_of(native_handle_type h) const noexcept {
    auto it = index.find(h);
    return it == index.end() ? no_slot : it->second;
  }
  void index_set(native_handle_type h, std::uint32_t i) { index[h] = i; }
  void index_erase(native_handle_type h, std::uint32_t i) noexcept {
    auto it = index.find(h);
    if (it != index.end() && it->second == i) index.erase(it);
  }
  std::unordered_map<native_handle_type, std::uint32_t> index;  // live slots by handle
#endif
  static constexpr std::uint32_t no_slot = 0xffffffffu;
  flat_vector<dispatcher*> graveyard;  // owned channels that closed, freed at depth 0
  flat_vector<ready_event> ready;      // the outermost iteration's events
  flat_vector<std::uint32_t> always;
  flat_vector<std::uint32_t> dirty;
  flat_vector<std::uint32_t> sampled;  // scratch: the slots sampled in this iteration
  flat_vector<std::uint32_t> tls_ready;  // TLS channels whose engine holds plaintext (src/loop.cpp)
  /// merge_tls_ready, set by the TLS layer when it first reports plaintext held.
  void (*merge_tls)(map_state& m, flat_vector<ready_event>& ready) = nullptr;
  std::size_t wanting = 0;
  std::size_t live = 0;
  std::size_t holes = 0;
  unsigned depth = 0;
  std::uint64_t iteration = 0;  // counts iterations (pollers notice the ones they missed)
  std::atomic<bool> exit_requested{false};

 private:
  void compact() noexcept;
  void collect_now() noexcept;
  poller* make_poller(backend b, std::error_code& ec);
  void list_slot(std::uint32_t i) noexcept;

  std::unique_ptr<poller> pollers[backend_count];
  // The backend that serves each requested one: itself, or poll for an
  // epoll that could not be made (for the rest of this map's life).
  std::uint8_t serve_as[backend_count] = {0, 1, 2};
  std::unique_ptr<char[]> buffer;
  std::size_t buffer_size = 0;
  bool buffer_lent = false;
};

// -- what the loop runs only when a program uses it ------------------------------------
// The loop reaches timers and posted calls only through these two tables, so
// a firmware that never makes a timer nor lets another thread (or an
// interrupt handler) in links none of their code, and its maps make no
// wake-up channel (about 2.7 KiB of flash on a Cortex-M4). Each table is
// defined beside its feature and set by it:
//   - timer_service: src/timers.cpp; schedule() sets map_state::timer_ops,
//     in the map's thread, when the map's first timer is made (timers belong
//     to the map's thread: no other thread reads it);
//   - post_service: src/posting.cpp, which holds every way in from another
//     thread (call_soon_threadsafe, socket_map::request_exit) and sets
//     `post_ops` from its static initialiser, before main(): the object is in
//     a program exactly when something there can post, and the pointer is
//     set before any thread could. Every map then makes its wake-up channel
//     at its first iteration, as it always did.

struct timer_service {
  /// Runs the timers due now that were made before the iteration began
  /// (sequence number below `start_seq`), each once (run_timers).
  void (*run)(map_state& m, std::uint64_t start_seq);
  /// Cancels every timer of a channel (`head`: its list, not empty).
  void (*cancel_owned)(timer_node*& head) noexcept;
  /// The map is going away: unlinks its timers from their owners and frees the nodes.
  void (*destroy)(map_state& m) noexcept;
};

struct post_service {
  /// Makes the map's wake-up channel (in the loop's thread, before it
  /// waits; the loop calls it while the map has none and none failed). A
  /// failure is logged once: posted calls then run at the next iteration
  /// instead of waking the wait.
  void (*prepare)(map_state& m) noexcept;
  /// Runs the calls posted so far (run_posted).
  void (*run)(map_state& m);
  /// The map is going away: frees the blocks of posted calls.
  void (*destroy)(post_queue& q) noexcept;
};
/// Null unless src/posting.cpp is linked in (see above); post() sets it too,
/// should a start-up skip the static constructors. Relaxed loads suffice:
/// the table it points to is constant.
extern std::atomic<const post_service*> post_ops;

/// Cancels every timer of a channel (its close() and its destructor).
inline void cancel_owned(timer_node*& head) noexcept {
  if (head) head->map->timer_ops->cancel_owned(head);
}

/// The loop's timer and posted-call runners, with the exception policy
/// (src/loop.cpp); reached through the tables above.
void run_timers(map_state& m, std::uint64_t start_seq);
void run_posted(map_state& m);
/// Runs a timer's or a posted call's callable with the exception policy:
/// a channel's own timer reports to that channel (as its handlers do); the
/// others to the map's callback error handler, by default one log line.
void run_callback(map_state& m, dispatcher* owner, task& fn);
/// Adds a read event for each TLS channel whose engine holds plaintext
/// (src/loop.cpp; reached through map_state::merge_tls).
void merge_tls_ready(map_state& m, flat_vector<ready_event>& ready);

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_MAP_STATE_HPP
