// asyncore for C++: the channel registry (Python's `socket_map`).
//
// A socket_map holds the channels one loop serves. Python's module-global dict
// is `asyncore::default_map()`; explicit maps let one loop run per thread
// (a map and its channels belong to one thread at a time).
//
//     asyncore::socket_map map;
//     echo_server server(&map, port);
//     asyncore::loop(30.0, true, &map);      // until the map is empty
//
// Membership is what makes a channel live: close() removes it, and loop()
// returns when the map is empty. Unlike Python's dict, the registry keeps a
// slot per registration, so a descriptor that is closed and reused inside one
// loop iteration never receives the old channel's events, and a channel
// removed (or destroyed) during an iteration gets no further handler calls.
//
// Channels made with asyncore::make_owned<T>(...) are owned by their map:
// they are freed after they close, once no handler of theirs is running (at
// the end of the loop iteration, in close_all, or when the map is destroyed).
//
// The map must outlive the user-owned channels registered in it.
#ifndef ASYNCORE_SOCKET_MAP_HPP
#define ASYNCORE_SOCKET_MAP_HPP

#include <asyncore/config.hpp>
#include <asyncore/socket.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace asyncore {

class dispatcher;

/// Readiness and interest bits, in one portable encoding (Python's
/// select.POLLIN ... POLLNVAL have platform values; these do not).
enum : unsigned {
  pollin = 0x01,
  pollout = 0x02,
  pollpri = 0x04,
  pollerr = 0x08,
  pollhup = 0x10,
  pollnval = 0x20,
};

/// Loop backends. `select` and `poll` exist everywhere the library builds
/// (POSIX select/poll, Winsock's select and poll, lwIP's select and poll);
/// `epoll` only on Linux. loop(use_poll) picks `poll` or `select`.
enum class backend : std::uint8_t { select = 0, poll, epoll };
constexpr std::size_t backend_count = 3;

namespace detail {
class poller;

/// One registration. The loop reads `want` (computed from readable()/
/// writable() before waiting); persistent backends (epoll) keep their own
/// bookkeeping in `kernel`. `state` is the map's: slot_stable (the channel
/// declared stable predicates), slot_dirty (listed in the map's dirty list),
/// slot_always (listed in the map's always list).
struct slot {
  dispatcher* d = nullptr;
  native_handle_type handle = invalid_handle;
  std::uint8_t want = 0;
  std::uint8_t kernel = 0;
  std::uint8_t state = 0;
};
constexpr std::uint8_t slot_stable = 0x01;
constexpr std::uint8_t slot_dirty = 0x02;
constexpr std::uint8_t slot_always = 0x04;

/// One ready channel, as a backend reports it.
struct ready_event {
  std::uint32_t slot;
  std::uint32_t events;  // pollin ... pollnval, plus detail::ev_unwatchable
};

/// The backend could not watch the handle at all (select: fd >= FD_SETSIZE).
constexpr std::uint32_t ev_unwatchable = 0x100;
}  // namespace detail

class ASYNCORE_API socket_map {
 public:
  socket_map();
  ~socket_map();
  socket_map(const socket_map&) = delete;
  socket_map& operator=(const socket_map&) = delete;

  /// Number of registered channels (Python's len(map)).
  std::size_t size() const noexcept { return live_; }
  bool empty() const noexcept { return live_ == 0; }
  /// The channel registered under a handle, or nullptr (Python's map.get(fd)).
  dispatcher* find(native_handle_type h) const noexcept;
  /// A snapshot of the registered channels, in registration order.
  std::vector<dispatcher*> channels() const;

  /// Makes the loop running on this map return after the current iteration
  /// (the exit request of builds without exceptions; see exit_now).
  void request_exit() noexcept { exit_requested_ = true; }

  // -- used by the loop and the backends; not for applications -------------
  std::vector<detail::slot>& slots() noexcept { return slots_; }
  detail::poller* poller_for(backend b, std::error_code& ec) {
    const std::size_t i = static_cast<std::size_t>(b);
    if (i < backend_count && pollers_[i]) {
      ec.clear();
      return pollers_[i].get();
    }
    return make_poller(b, ec);
  }
  bool exit_requested() const noexcept { return exit_requested_; }
  void clear_exit_request() noexcept { exit_requested_ = false; }
  /// Dispatch depth: > 0 while a loop iteration on this map is running.
  void enter() noexcept { ++depth_; }
  void leave() noexcept {
    if (depth_ > 0 && --depth_ == 0) collect();
  }
  void add(dispatcher& d);
  void remove(dispatcher& d) noexcept;
  void adopt(dispatcher* d);        // make_owned: the map frees it after it closes
  void unbury(dispatcher* d) noexcept;  // an owned channel deleted by hand
  // Frees closed owned channels and compacts slots (depth 0 only); inline
  // because the loop calls it every iteration and it usually has nothing to do.
  void collect() noexcept {
    if (depth_ == 0 && (holes_ != 0 || !graveyard_.empty())) collect_now();
  }
  void close_owned_all() noexcept;  // used by the destructor
  std::vector<detail::ready_event>& ready_buffer() noexcept { return ready_; }
  unsigned depth() const noexcept { return depth_; }
  // Predicate sampling (see dispatcher::set_stable_predicates): the loop
  // samples the slots listed in always_list() (channels without stable
  // predicates; entries may be stale) and those taken from the dirty list
  // (stable channels that were dispatched, are new, or called
  // interest_changed()); the others keep their last sampled `want`.
  std::vector<std::uint32_t>& always_list() noexcept { return always_; }
  std::vector<std::uint32_t>& dirty_list() noexcept { return dirty_; }
  /// Scratch list: the slots sampled in the current iteration.
  std::vector<std::uint32_t>& sampled_list() noexcept { return sampled_; }
  void mark_dirty(std::uint32_t i) noexcept {
    if (i < slots_.size() && (slots_[i].state & (detail::slot_stable | detail::slot_dirty)) == detail::slot_stable) {
      slots_[i].state |= detail::slot_dirty;
      dirty_.push_back(i);  // capacity is kept between iterations: no allocation in steady state
    }
  }
  void set_stable(dispatcher& d, bool on) noexcept;
  /// Sets a slot's sampled interest, keeping the count of slots that want something.
  void set_want(detail::slot& s, std::uint8_t want) noexcept {
    wanting_ += (want != 0) - (s.want != 0);
    s.want = want;
  }
  std::size_t wanting() const noexcept { return wanting_; }
  /// A read buffer shared by the channels of this map (they run on one
  /// thread), lent to one read at a time: async_chat reads into it, so an
  /// idle channel holds no input buffer and a read allocates nothing.
  /// nullptr when it is already lent (a read nested inside another's hooks).
  char* borrow_buffer(std::size_t n);
  void return_buffer() noexcept { buffer_lent_ = false; }
  /// Counts loop iterations (pollers use it to notice iterations they missed).
  std::uint64_t next_iteration() noexcept { return ++iteration_; }

 private:
  void compact() noexcept;
  void collect_now() noexcept;
  detail::poller* make_poller(backend b, std::error_code& ec);
  void list_slot(std::uint32_t slot) noexcept;

  std::vector<detail::slot> slots_;
  std::unordered_map<native_handle_type, std::uint32_t> index_;
  std::vector<dispatcher*> graveyard_;
  std::vector<detail::ready_event> ready_;
  std::vector<std::uint32_t> always_;
  std::vector<std::uint32_t> dirty_;
  std::vector<std::uint32_t> sampled_;
  std::size_t wanting_ = 0;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_size_ = 0;
  bool buffer_lent_ = false;
  std::uint64_t iteration_ = 0;
  std::unique_ptr<detail::poller> pollers_[backend_count];
  std::size_t live_ = 0;
  std::size_t holes_ = 0;
  unsigned depth_ = 0;
  bool exit_requested_ = false;
};

/// The default map, used wherever a `socket_map*` argument is null (Python's
/// module-level socket_map). It lives for the whole program.
ASYNCORE_API socket_map& default_map() noexcept;

}  // namespace asyncore

#endif  // ASYNCORE_SOCKET_MAP_HPP
