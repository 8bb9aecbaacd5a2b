// asyncore for C++ (POSIX): the poll(2) backend.
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
  void wait(std::vector<slot>& slots, std::size_t n, std::int64_t timeout_us, std::vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    fds_.clear();
    idx_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (!s.d || !s.want) continue;
      short ev = 0;
      if (s.want & pollin) ev |= POLLIN;
      if (s.want & pollpri) ev |= POLLPRI;
      if (s.want & pollout) ev |= POLLOUT;
      fds_.push_back(pollfd{static_cast<int>(s.handle), ev, 0});
      idx_.push_back(static_cast<std::uint32_t>(i));
    }
    int r = sys().poll(fds_.data(), static_cast<nfds_t>(fds_.size()), timeout_ms_ceil(timeout_us));
    if (r < 0) {
      ec = last_error();
      return;
    }
    for (std::size_t k = 0; k < fds_.size() && r > 0; ++k) {
      short re = fds_[k].revents;
      if (!re) continue;
      --r;
      std::uint32_t ev = 0;
      if (re & POLLIN) ev |= pollin;
      if (re & POLLPRI) ev |= pollpri;
      if (re & POLLOUT) ev |= pollout;
      if (re & POLLERR) ev |= pollerr;
      if (re & POLLHUP) ev |= pollhup;
      if (re & POLLNVAL) ev |= pollnval;
      out.push_back(ready_event{idx_[k], ev});
    }
  }

 private:
  std::vector<pollfd> fds_;
  std::vector<std::uint32_t> idx_;
};

std::unique_ptr<poller> make_poll_poller() { return std::make_unique<poll_poller>(); }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
