// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the backend seam.
//
// A poller waits for readiness on the channels of one socket_map. The loop
// (src/loop.cpp) samples every channel's readable()/writable() into
// slot::want before each wait; the poller turns the slots into its system
// call and reports ready slots in the portable bits (pollin ... pollnval) of
// socket_map.hpp. It reports what the system said: pollhup/pollerr are passed
// through and the loop decides what they mean, so every backend gets the same
// error-to-callback mapping.
//
// Pollers are created once per map and backend (socket_map::poller_for) and
// live as long as the map, so a persistent backend (epoll) can keep kernel
// registrations between iterations: slot::kernel is its bookkeeping, forget()
// tells it a handle left the map. Slots never move during an iteration; a
// slot whose channel left has d == nullptr.
#ifndef ASYNCORE_SRC_POLLER_HPP
#define ASYNCORE_SRC_POLLER_HPP

#include <asyncore/error.hpp>
#include <asyncore/socket_map.hpp>

#include <asyncore/detail/flat_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

namespace asyncore {
namespace detail {

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
constexpr std::uint8_t slot_hidden = 0x08;  // the map's wake-up channel: not an application channel

/// One ready channel, as a backend reports it.
struct ready_event {
  std::uint32_t slot;
  std::uint32_t events;  // pollin ... pollnval, plus ev_unwatchable
};

/// The backend could not watch the handle at all (select: fd >= FD_SETSIZE;
/// epoll: the registration failed); poller::unwatchable_reason says why.
constexpr std::uint32_t ev_unwatchable = 0x100;

/// Bookkeeping for a backend that keeps its registrations between
/// iterations (epoll, and poll's persistent pollfd array): which slots the
/// next wait() must bring up to date. Every poller has one (poller::tracker_),
/// which the loop feeds without a virtual call; the others ignore it.
class change_tracker {
 public:
  void changed(const flat_vector<std::uint32_t>& sampled, std::uint64_t iteration) noexcept {
    sampled_ = &sampled;
    if (iteration != last_iteration_ + 1) full_ = true;  // another backend served the map meanwhile
    last_iteration_ = iteration;
  }
  void moved() noexcept { full_ = true; }
  /// The slots sampled for this wait, or null when every slot must be
  /// looked at (first wait, a missed iteration, slots moved); then call
  /// scanned() once they all were.
  const flat_vector<std::uint32_t>* take() noexcept {
    const flat_vector<std::uint32_t>* s = full_ ? nullptr : sampled_;
    sampled_ = nullptr;
    return s;
  }
  void scanned() noexcept { full_ = false; }

 private:
  const flat_vector<std::uint32_t>* sampled_ = nullptr;
  std::uint64_t last_iteration_ = 0;
  bool full_ = true;
};

class poller {
 public:
  virtual ~poller() = default;

  /// Waits up to `timeout_us` microseconds (< 0: without limit) for the
  /// slots [0, n) whose want is non-zero, and appends one ready_event per
  /// ready slot to `out`. Only called when at least one slot wants
  /// something. std::errc::interrupted means "retry with the time left".
  /// A handle the backend cannot watch is reported as ready with
  /// ev_unwatchable rather than failing the whole wait.
  virtual void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us,
                    flat_vector<ready_event>& out, std::error_code& ec) = 0;

  /// Why the slot reported with ev_unwatchable in the last wait() could not
  /// be watched: the error its channel's handle_error gets. The default is
  /// select's reason (errc::descriptor_out_of_range); epoll answers the
  /// failed registration's error (ENOMEM, ENOSPC).
  virtual std::error_code unwatchable_reason(std::uint32_t slot) const noexcept {
    (void)slot;
    return make_error_code(errc::descriptor_out_of_range);
  }

  /// The handle left the map (it may still be open).
  virtual void forget(native_handle_type) noexcept {}

  /// Called by the loop before wait() with the slots whose `want` was
  /// sampled in this iteration (`iteration` counts the map's iterations).
  /// The other slots keep the `want` they had when this backend last
  /// waited, unless an iteration was missed (another backend served the map
  /// in between) or slots moved. A persistent backend may then look at these
  /// slots only (tracker_.take() in its wait()); the others scan [0, n).
  /// Not virtual: it runs every iteration, and only records.
  void changed(const flat_vector<std::uint32_t>& sampled, std::uint64_t iteration) noexcept {
    tracker_.changed(sampled, iteration);
  }
  /// Slot numbers changed (the map compacted its slots at depth 0).
  void moved() noexcept { tracker_.moved(); }

 protected:
  change_tracker tracker_;
};

/// Converts a timeout to whole milliseconds for poll-like calls: rounds up
/// (so 0.5 ms waits 1 ms, never 0) and clamps to int's range; < 0 stays -1.
inline int timeout_ms_ceil(std::int64_t us) noexcept {
  if (us < 0) return -1;
  if (us > std::int64_t{0x7fffffff} * 1000) return 0x7fffffff;
  return static_cast<int>((us + 999) / 1000);  // one division, no overflow after the clamp
}

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_POLLER_HPP
