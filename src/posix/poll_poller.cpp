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

class poll_poller final : public poller {
 public:
  void changed(const flat_vector<std::uint32_t>& sampled, std::uint64_t iteration) noexcept override {
    tracker_.changed(sampled, iteration);
  }
  void moved() noexcept override { tracker_.moved(); }

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
      std::uint32_t ev = 0;
      if (re & POLLIN) ev |= pollin;
      if (re & POLLPRI) ev |= pollpri;
      if (re & POLLOUT) ev |= pollout;
      if (re & POLLERR) ev |= pollerr;
      if (re & POLLHUP) ev |= pollhup;
      if (re & POLLNVAL) ev |= pollnval;
      out.push_back(ready_event{static_cast<std::uint32_t>(k), ev});
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
    short ev = 0;
    if (s.want & pollin) ev |= POLLIN;
    if (s.want & pollpri) ev |= POLLPRI;
    if (s.want & pollout) ev |= POLLOUT;
    p.fd = static_cast<int>(s.handle);
    p.events = ev;
    const std::size_t fd = static_cast<std::size_t>(p.fd);
    if (fd >= fd_entry_.size()) fd_entry_.resize(fd + 1, 0);
    fd_entry_[fd] = i;
  }

  std::vector<pollfd> fds_;              // entry i = slot i
  std::vector<std::uint32_t> fd_entry_;  // descriptor -> entry, for forget()
  change_tracker tracker_;
};

std::unique_ptr<poller> make_poll_poller() { return std::make_unique<poll_poller>(); }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
