// asyncore for C++ (Linux): the epoll backend.
//
// Registrations persist in the kernel between iterations: each iteration
// compares a slot's sampled interest (slot::want) with what the kernel has
// (slot::kernel) and calls epoll_ctl only when they differ. A channel with
// no interest is removed rather than left with an empty mask, because epoll
// always reports EPOLLHUP/EPOLLERR and would wake the loop for a channel
// that wants nothing. Regular files cannot be added (EPERM); like poll and
// select, the backend reports them as always ready.
#include "../poller.hpp"
#include "posix.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
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
}  // namespace

class epoll_poller final : public poller {
 public:
  epoll_poller() : epfd_(::epoll_create1(EPOLL_CLOEXEC)) {}
  ~epoll_poller() override {
    if (epfd_ >= 0) ::close(epfd_);
  }

  void wait(std::vector<slot>& slots, std::size_t n, std::int64_t timeout_us, std::vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    if (epfd_ < 0) epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) {
      ec = last_error();
      return;
    }
    std::size_t always = out.size();
    int registered = 0;
    for (std::size_t i = 0; i < n; ++i) {
      slot& s = slots[i];
      if (!s.d) continue;
      int fd = static_cast<int>(s.handle);
      if (s.kernel & kernel_file) {
        if (s.want) out.push_back(ready_event{static_cast<std::uint32_t>(i), s.want & (pollin | pollout)});
        continue;
      }
      if (s.want) {
        if (static_cast<std::size_t>(fd) >= fd_slot_.size()) fd_slot_.resize(static_cast<std::size_t>(fd) + 1, 0);
        fd_slot_[static_cast<std::size_t>(fd)] = static_cast<std::uint32_t>(i);
        ++registered;
      }
      if (s.want == s.kernel) continue;
      epoll_event e{};
      e.events = to_epoll(s.want);
      e.data.fd = fd;
      int op = !s.want ? EPOLL_CTL_DEL : s.kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      int rc = ::epoll_ctl(epfd_, op, fd, &e);
      if (rc < 0 && op == EPOLL_CTL_ADD && errno == EEXIST) rc = ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &e);
      if (rc < 0 && op == EPOLL_CTL_MOD && errno == ENOENT) rc = ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &e);
      if (rc < 0 && op != EPOLL_CTL_DEL) {
        if (errno == EPERM) {  // a regular file: always ready, as poll says
          s.kernel = kernel_file;
          --registered;
          out.push_back(ready_event{static_cast<std::uint32_t>(i), s.want & (pollin | pollout)});
          continue;
        }
        if (errno == EBADF) {
          --registered;
          out.push_back(ready_event{static_cast<std::uint32_t>(i), pollnval});
          continue;
        }
        ec = last_error();
        return;
      }
      s.kernel = s.want;
    }
    if (out.size() != always) timeout_us = 0;
    if (registered <= 0) return;  // only files or closed handles: reported above
    if (events_.size() < static_cast<std::size_t>(registered)) events_.resize(static_cast<std::size_t>(registered));
    int rc = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout_ms_ceil(timeout_us));
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
      std::uint32_t ev = 0;
      if (e.events & EPOLLIN) ev |= pollin;
      if (e.events & EPOLLPRI) ev |= pollpri;
      if (e.events & EPOLLOUT) ev |= pollout;
      if (e.events & EPOLLERR) ev |= pollerr;
      if (e.events & EPOLLHUP) ev |= pollhup;
      if (ev) out.push_back(ready_event{i, ev});
    }
  }

  void forget(native_handle_type h) noexcept override {
    // Called before the channel closes its socket; a failure (never added,
    // already closed) is harmless.
    epoll_event e{};
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, static_cast<int>(h), &e);
  }

 private:
  int epfd_;
  std::vector<epoll_event> events_;
  std::vector<std::uint32_t> fd_slot_;
};

std::unique_ptr<poller> make_epoll_poller() { return std::make_unique<epoll_poller>(); }
bool have_epoll() noexcept { return true; }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
