// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): the poll(2) backend.
//
// The pollfd array persists between iterations, one entry per slot (entry i
// is slot i), so an iteration rewrites only the entries of the slots the loop
// sampled (see change_tracker in ../poller.hpp), not all of them: with
// stable predicates, 10000 idle connections cost the kernel's scan and ours
// of the results, as in a hand-written poll loop, and no rebuilding. A slot
// that wants nothing, or whose channel left, has fd -1, which poll ignores.
#include "../poller.hpp"
#include "posix.hpp"
#include "syscalls.hpp"

#include <poll.h>

#include <cerrno>
#include <vector>

namespace asyncore {
namespace detail {
namespace posix {

// The loop's event bits from poll's and back. Where poll's bits are the
// usual ones (Linux, the BSDs, macOS: IN 1, PRI 2, OUT 4, ERR 8, HUP 16,
// NVAL 32) that is a swap of two bits, without a branch per bit (once per
// ready descriptor); elsewhere, bit by bit.
constexpr bool usual_poll_bits = POLLIN == 0x01 && POLLPRI == 0x02 && POLLOUT == 0x04 && POLLERR == 0x08 &&
                                 POLLHUP == 0x10 && POLLNVAL == 0x20;
static_assert(pollin == 0x01 && pollout == 0x02 && pollpri == 0x04 && pollerr == 0x08 && pollhup == 0x10 &&
                  pollnval == 0x20,
              "the loop's bits: poll's with PRI and OUT swapped");
inline std::uint32_t from_poll(unsigned short re) noexcept {
  if constexpr (usual_poll_bits) {
    return (re & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) | ((re & POLLPRI) << 1) | ((re & POLLOUT) >> 1);
  } else {
    std::uint32_t ev = 0;
    if (re & POLLIN) ev |= pollin;
    if (re & POLLPRI) ev |= pollpri;
    if (re & POLLOUT) ev |= pollout;
    if (re & POLLERR) ev |= pollerr;
    if (re & POLLHUP) ev |= pollhup;
    if (re & POLLNVAL) ev |= pollnval;
    return ev;
  }
}
inline short to_poll(std::uint8_t want) noexcept {
  if constexpr (usual_poll_bits) {
    return static_cast<short>((want & pollin) | ((want & pollpri) >> 1) | ((want & pollout) << 1));
  } else {
    short ev = 0;
    if (want & pollin) ev |= POLLIN;
    if (want & pollpri) ev |= POLLPRI;
    if (want & pollout) ev |= POLLOUT;
    return ev;
  }
}

class poll_poller final : public poller {
 public:
  void forget(native_handle_type h) noexcept override {
    // The channel left (its descriptor may be closed or reused before the
    // next wait): take it out of the array now.
    const std::size_t fd = static_cast<std::size_t>(h);
    if (fd >= fd_entry_.size()) return;
    const std::uint32_t i = fd_entry_[fd];
    if (i < fds_.size() && fds_[i].fd == static_cast<int>(h)) fds_[i].fd = -1;
  }

  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    if (ec) ec.clear();  // once per iteration: clear() calls system_category() out of line
    const flat_vector<std::uint32_t>* sampled = tracker_.take();
    if (fds_.size() != n) {
      if (fds_.size() > n) sampled = nullptr;  // fewer slots: only after a compaction, which rescans anyway
      fds_.resize(n, pollfd{-1, 0, 0});
    }
    if (sampled) {
      for (std::uint32_t i : *sampled) {
        if (i < n) set(slots[i], i);
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) set(slots[i], static_cast<std::uint32_t>(i));
      tracker_.scanned();
    }
    int r = sys().poll(fds_.data(), static_cast<nfds_t>(n), timeout_ms_ceil(timeout_us));
    if (r < 0) {
      ec = last_error();
      return;
    }
    for (std::size_t k = 0; k < n && r > 0; ++k) {
      const short re = fds_[k].revents;
      if (!re) continue;
      --r;
      out.push_back(ready_event{static_cast<std::uint32_t>(k), from_poll(static_cast<unsigned short>(re))});
    }
  }

 private:
  // Entry i from slot i's sampled interest.
  void set(const slot& s, std::uint32_t i) {
    pollfd& p = fds_[i];
    p.revents = 0;
    if (!s.d || !s.want) {
      p.fd = -1;
      p.events = 0;
      return;
    }
    p.fd = static_cast<int>(s.handle);
    p.events = to_poll(s.want);
    const std::size_t fd = static_cast<std::size_t>(p.fd);
    if (fd >= fd_entry_.size()) fd_entry_.resize(fd + 1, 0);
    fd_entry_[fd] = i;
  }

  std::vector<pollfd> fds_;              // entry i = slot i
  std::vector<std::uint32_t> fd_entry_;  // descriptor -> entry, for forget()
};

std::unique_ptr<poller> make_poll_poller() { return std::make_unique<poll_poller>(); }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
