// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): the select(2) backend.
//
// FD_SET on a descriptor >= FD_SETSIZE is undefined behaviour (glibc's
// fortify aborts); such a channel is reported as ev_unwatchable, which gives
// it handle_error(errc::descriptor_out_of_range), and the others go on.
#include "../poller.hpp"
#include "posix.hpp"
#include "syscalls.hpp"

#include <fcntl.h>
#include <sys/select.h>

#include <cerrno>

namespace asyncore {
namespace detail {
namespace posix {

class select_poller final : public poller {
 public:
  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    int maxfd = -1;
    bool unwatchable = false;
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (!s.d || !s.want) continue;
      if (s.handle < 0 || s.handle >= FD_SETSIZE) {
        out.push_back(ready_event{static_cast<std::uint32_t>(i), ev_unwatchable});
        unwatchable = true;
        continue;
      }
      int fd = static_cast<int>(s.handle);
      if (s.want & pollin) FD_SET(fd, &r);
      if (s.want & pollout) FD_SET(fd, &w);
      FD_SET(fd, &e);  // Python puts every readable or writable fd here
      if (fd > maxfd) maxfd = fd;
    }
    if (maxfd < 0) return;  // only unwatchable channels: report them now
    if (unwatchable) timeout_us = 0;
    timeval tv;
    timeval* tvp = nullptr;
    if (timeout_us >= 0) {
      std::int64_t sec = timeout_us / 1000000;
      if (sec > 0x7fffffff) sec = 0x7fffffff;  // 32-bit time_t (armhf)
      tv.tv_sec = static_cast<time_t>(sec);
      tv.tv_usec = static_cast<suseconds_t>(timeout_us % 1000000);
      tvp = &tv;
    }
    int rc = sys().select(maxfd + 1, &r, &w, &e, tvp);
    if (rc < 0) {
      if (errno == EBADF) {
        // A descriptor was closed behind the loop's back. Report the bad ones
        // as invalid (poll's POLLNVAL) instead of failing every channel.
        for (std::size_t i = 0; i < n; ++i) {
          const slot& s = slots[i];
          if (!s.d || !s.want || s.handle < 0 || s.handle >= FD_SETSIZE) continue;
          if (::fcntl(static_cast<int>(s.handle), F_GETFD) < 0 && errno == EBADF)
            out.push_back(ready_event{static_cast<std::uint32_t>(i), pollnval});
        }
        return;
      }
      ec = last_error();
      return;
    }
    for (std::size_t i = 0; i < n && rc > 0; ++i) {
      const slot& s = slots[i];
      if (!s.d || !s.want || s.handle < 0 || s.handle >= FD_SETSIZE) continue;
      int fd = static_cast<int>(s.handle);
      std::uint32_t ev = 0;
      if (FD_ISSET(fd, &r)) ev |= pollin;
      if (FD_ISSET(fd, &w)) ev |= pollout;
      if (FD_ISSET(fd, &e)) ev |= pollpri;
      if (ev) out.push_back(ready_event{static_cast<std::uint32_t>(i), ev});
    }
  }
};

std::unique_ptr<poller> make_select_poller() { return std::make_unique<select_poller>(); }

}  // namespace posix
}  // namespace detail
}  // namespace asyncore
