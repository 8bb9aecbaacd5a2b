// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): the lwip_poll backend.
//
// See pollers.hpp for what lwIP reports and how it is passed to the loop.
// lwip_poll fails the whole call (-1, EBADF) at the first invalid descriptor
// and marks it POLLNVAL; such descriptors are reported as pollnval instead of
// failing the wait.
#include "lwip.hpp"

#include "../platform.hpp"
#include "../poller.hpp"
#include "pollers.hpp"
#include "syscalls.hpp"

#include <new>

namespace asyncore {
namespace detail {
namespace lwip {

#if LWIP_SOCKET_POLL
namespace {

class poll_poller final : public poller {
 public:
  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    fds_.clear();
    index_.clear();
    std::size_t first_out = out.size();
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (!s.want || s.d == nullptr) continue;
      if (s.handle < 0 || s.handle > 0x7fffffff) {
        out.push_back(ready_event{static_cast<std::uint32_t>(i), pollnval});
        continue;
      }
      struct pollfd p;
      p.fd = static_cast<int>(s.handle);
      p.events = 0;
      p.revents = 0;
      if (s.want & pollin) p.events |= POLLIN;
      if (s.want & pollout) p.events |= POLLOUT;
      fds_.push_back(p);
      index_.push_back(static_cast<std::uint32_t>(i));
    }
    if (fds_.empty()) {
      if (out.size() == first_out) platform::sleep_us(timeout_us);
      return;
    }
    int ms = timeout_ms_ceil(timeout_us);
    if (out.size() != first_out) ms = 0;
    int r = sys().poll(fds_.data(), static_cast<nfds_t>(fds_.size()), ms);
    if (r < 0) {
      int e = last_errno();
      bool nval = false;
      for (std::size_t k = 0; k < fds_.size(); ++k) {
        if (fds_[k].revents & POLLNVAL) {
          out.push_back(ready_event{index_[k], pollnval});
          nval = true;
        }
      }
      if (nval || (e == EBADF && report_invalid(slots, n, out))) return;
      ec = translate(e);
      if (!ec) ec = std::make_error_code(std::errc::io_error);
      return;
    }
    if (r == 0) return;
    for (std::size_t k = 0; k < fds_.size(); ++k) {
      short re = fds_[k].revents;
      if (!re) continue;
      std::uint32_t ev = 0;
      if (re & POLLIN) ev |= pollin;
      if (re & POLLOUT) ev |= pollout;
      if (re & POLLERR) ev |= pollerr;  // an error, never out-of-band data
      if (re & POLLHUP) ev |= pollhup;  // lwIP 2.1 never sets it
      if (re & POLLNVAL) ev |= pollnval;
      if (ev) out.push_back(ready_event{index_[k], ev});
    }
  }

 private:
  std::vector<struct pollfd> fds_;
  std::vector<std::uint32_t> index_;
};

}  // namespace

std::unique_ptr<poller> make_poll_poller() { return std::unique_ptr<poller>(new poll_poller()); }
#endif

}  // namespace lwip
}  // namespace detail
}  // namespace asyncore
