// SPDX-License-Identifier: MIT
// asyncore for C++ (Linux): the epoll backend.
//
// Registrations persist in the kernel between iterations: each iteration
// compares a slot's sampled interest (slot::want) with what the kernel has
// (slot::kernel) and calls epoll_ctl only when they differ. A channel with
// no interest is removed rather than left with an empty mask, because epoll
// always reports EPOLLHUP/EPOLLERR and would wake the loop for a channel
// that wants nothing. Regular files cannot be added (EPERM); like poll and
// select, the backend reports them as always ready.
//
// Incremental: when the loop says which slots it sampled this iteration
// (changed()), only those are compared, so an iteration costs O(sampled +
// ready), not O(channels): with stable predicates (see
// dispatcher::set_stable_predicates) 10000 idle connections cost nothing
// per iteration. After a missed iteration or a compaction it scans all
// slots once.
#include "../poller.hpp"
#include "posix.hpp"
#include "syscalls.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace asyncore {
namespace detail {
namespace posix {

namespace {
constexpr std::uint8_t kernel_file = 0x80;  // slot::kernel mark: a file, never added

std::uint32_t to_epoll(std::uint8_t want) {
  std::uint32_t ev = 0;
  if (want & pollin) ev |= EPOLLIN;
  if (want & pollpri) ev |= EPOLLPRI;
  if (want & pollout) ev |= EPOLLOUT;
  return ev;
}

// The loop's event bits from epoll's, without a branch per bit (once per
// ready descriptor): IN, ERR and HUP are the same bits, PRI and OUT swap.
constexpr unsigned u(unsigned v) noexcept { return v; }
static_assert(u(EPOLLIN) == u(pollin) && u(EPOLLERR) == u(pollerr) && u(EPOLLHUP) == u(pollhup),
              "epoll's IN/ERR/HUP bits are the loop's");
static_assert(u(EPOLLPRI) == u(pollout) && u(EPOLLOUT) == u(pollpri), "epoll's PRI and OUT are the loop's OUT and PRI");
inline std::uint32_t from_epoll(std::uint32_t e) noexcept {
  return (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) | ((e & EPOLLPRI) << 1) | ((e & EPOLLOUT) >> 1);
}
}  // namespace

class epoll_poller final : public poller {
 public:
  explicit epoll_poller(int epfd) noexcept : epfd_(epfd) {}
  ~epoll_poller() override {
    if (epfd_ >= 0) ::close(epfd_);
  }

  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    if (ec) ec.clear();  // once per iteration: clear() calls system_category() out of line
    const flat_vector<std::uint32_t>* sampled = tracker_.take();
    failed_.clear();
    if (epfd_ < 0) epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) {
      ec = last_error();
      return;
    }
    std::size_t always = out.size();
    if (sampled) {
      for (std::uint32_t i : *sampled) {
        if (i < n && slots[i].want != slots[i].kernel) update(slots, i, out);
      }
    } else {
      // Slot numbers may have changed: refresh every registration's entry
      // in fd_slot_, not only those whose interest changed.
      for (std::size_t i = 0; i < n; ++i) {
        update(slots, static_cast<std::uint32_t>(i), out);
      }
      tracker_.scanned();
    }
    if (out.size() != always) timeout_us = 0;
    if (registered_ <= 0) return;  // only files or closed handles: reported above
    const std::size_t cap = registered_ < 4096 ? static_cast<std::size_t>(registered_) : 4096;
    if (events_len_ < cap) {
      events_.resize(cap);
      events_len_ = cap;  // kept beside the vector: its size() divides by sizeof(epoll_event)
    }
    int rc = sys().epoll_wait(epfd_, events_.data(), static_cast<int>(cap), timeout_ms_ceil(timeout_us));
    if (rc < 0) {
      ec = last_error();
      return;
    }
    for (int k = 0; k < rc; ++k) {
      const epoll_event& e = events_[static_cast<std::size_t>(k)];
      std::size_t fd = static_cast<std::size_t>(e.data.fd);
      if (fd >= fd_slot_.size()) continue;
      std::uint32_t i = fd_slot_[fd];
      if (i >= n || slots[i].handle != e.data.fd || !slots[i].d) continue;
      const std::uint32_t ev = from_epoll(e.events);
      if (ev) out.push_back(ready_event{i, ev});
    }
  }

  std::error_code unwatchable_reason(std::uint32_t slot) const noexcept override {
    for (const auto& f : failed_)
      if (f.first == slot) return f.second;
    return poller::unwatchable_reason(slot);
  }

  void forget(native_handle_type h) noexcept override {
    // Called before the channel closes its socket; a failure (never added,
    // already closed) is harmless.
    epoll_event e{};
    if (sys().epoll_ctl(epfd_, EPOLL_CTL_DEL, static_cast<int>(h), &e) == 0) --registered_;
  }

 private:
  // Brings one slot's kernel registration in line with its sampled want,
  // and records which slot the descriptor belongs to. The incremental path
  // calls it only when want and kernel differ (a file's kernel mark never
  // equals a want); the full scan calls it for every slot. A registration
  // that fails is reported for its slot (ev_unwatchable), never for the wait.
  ASYNCORE_NOINLINE void update(flat_vector<slot>& slots, std::uint32_t i, flat_vector<ready_event>& out) {
    slot& s = slots[i];
    if (!s.d) return;
    int fd = static_cast<int>(s.handle);
    if (s.kernel & kernel_file) {
      if (s.want) out.push_back(ready_event{i, s.want & (pollin | pollout)});
      return;
    }
    if (s.want) {
      if (static_cast<std::size_t>(fd) >= fd_slot_.size()) fd_slot_.resize(static_cast<std::size_t>(fd) + 1, 0);
      fd_slot_[static_cast<std::size_t>(fd)] = i;
    }
    if (s.want == s.kernel) return;
    epoll_event e{};
    e.events = to_epoll(s.want);
    e.data.fd = fd;
    int op = !s.want ? EPOLL_CTL_DEL : s.kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int rc = sys().epoll_ctl(epfd_, op, fd, &e);
    if (rc < 0 && op == EPOLL_CTL_ADD && errno == EEXIST) {
      op = EPOLL_CTL_MOD;
      rc = sys().epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &e);
    }
    if (rc < 0 && op == EPOLL_CTL_MOD && errno == ENOENT) {
      op = EPOLL_CTL_ADD;
      rc = sys().epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &e);
    }
    if (rc < 0 && op != EPOLL_CTL_DEL) {
      if (errno == EPERM) {  // a regular file: always ready, as poll says
        s.kernel = kernel_file;
        out.push_back(ready_event{i, s.want & (pollin | pollout)});
        return;
      }
      if (errno == EBADF) {
        out.push_back(ready_event{i, pollnval});
        return;
      }
      // This descriptor cannot be registered now (ENOMEM, ENOSPC: the
      // watches limit): its channel gets handle_error with the reason, the
      // others are served (found by tests/fault_injection_test.cpp: the
      // whole wait used to fail, every iteration). kernel is unchanged, so
      // a channel that stays open is registered again next time.
      failed_.push_back({i, last_error()});
      out.push_back(ready_event{i, ev_unwatchable});
      return;
    }
    if (rc == 0 && op == EPOLL_CTL_ADD) ++registered_;
    if (rc == 0 && op == EPOLL_CTL_DEL) --registered_;
    s.kernel = s.want;
    return;
  }

  int epfd_;
  std::vector<epoll_event> events_;
  std::size_t events_len_ = 0;  // events_.size()
  std::vector<std::uint32_t> fd_slot_;
  long registered_ = 0;  // descriptors in the epoll set
  std::vector<std::pair<std::uint32_t, std::error_code>> failed_;  // this wait's failed registrations
};

std::unique_ptr<poller> make_epoll_poller(std::error_code& ec) {
  // The descriptor is made now, so a map that cannot have one (descriptors
  // exhausted) learns it here and is served by another backend.
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    ec = last_error();
    return nullptr;
  }
  return std::make_unique<epoll_poller>(epfd);
}
bool have_epoll() noexcept { return true; }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
