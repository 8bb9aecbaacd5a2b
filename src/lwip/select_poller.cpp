// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): the lwip_select backend.
//
// See pollers.hpp for what lwIP reports and how it is passed to the loop.
// lwip_select only reports an exception for a descriptor that is in the
// exceptset, so every watched descriptor is put there; it fails with EBADF
// without saying which descriptor was invalid (they are then found by
// probing, report_invalid). A descriptor its fd_set cannot hold is reported
// as ev_unwatchable.
#include "lwip.hpp"

#include "../platform.hpp"
#include "../poller.hpp"
#include "pollers.hpp"
#include "syscalls.hpp"

#include <new>

namespace asyncore {
namespace detail {
namespace lwip {

#if LWIP_SOCKET_SELECT
namespace {

// Whether lwip_select can watch this descriptor. lwIP's descriptors are
// LWIP_SOCKET_OFFSET .. LWIP_SOCKET_OFFSET + MEMP_NUM_NETCONN - 1, and
// lwip/sockets.h defines LWIP_SELECT_MAXNFDS as the first one its fd_set
// cannot hold: FD_SETSIZE + LWIP_SOCKET_OFFSET with lwIP's own fd_set (which
// is indexed by handle - LWIP_SOCKET_OFFSET and has FD_SETSIZE =
// MEMP_NUM_NETCONN bits), FD_SETSIZE with the C library's (indexed by the
// handle). Comparing the handle with FD_SETSIZE itself would refuse the top
// LWIP_SOCKET_OFFSET sockets when the offset is not 0.
bool selectable(native_handle_type h) noexcept { return h >= LWIP_SOCKET_OFFSET && h < LWIP_SELECT_MAXNFDS; }

class select_poller final : public poller {
 public:
  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    int maxfd = -1;
    bool watched = false;
    std::size_t first_out = out.size();
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (!s.want || s.d == nullptr) continue;
      if (!selectable(s.handle)) {
        out.push_back(ready_event{static_cast<std::uint32_t>(i), ev_unwatchable});
        continue;
      }
      int fd = static_cast<int>(s.handle);
      if (s.want & pollin) FD_SET(fd, &rd);
      if (s.want & pollout) FD_SET(fd, &wr);
      FD_SET(fd, &ex);  // lwIP's "exception" is an error on the socket
      if (fd > maxfd) maxfd = fd;
      watched = true;
    }
    if (!watched) {
      // Nothing lwip_select can watch: sleep the timeout unless something
      // was reported already.
      if (out.size() == first_out) platform::sleep_us(timeout_us);
      return;
    }
    int ms = timeout_ms_ceil(timeout_us);
    if (out.size() != first_out) ms = 0;  // report the unwatchable ones now
    struct timeval tv;
    struct timeval* ptv = nullptr;
    if (ms >= 0) {
      tv.tv_sec = ms / 1000;
      tv.tv_usec = (ms % 1000) * 1000;
      ptv = &tv;
    }
    int r = sys().select(maxfd + 1, &rd, &wr, &ex, ptv);
    if (r < 0) {
      int e = last_errno();
      if (e == EBADF && report_invalid(slots, n, out)) return;
      ec = translate(e);
      if (!ec) ec = std::make_error_code(std::errc::io_error);
      return;
    }
    if (r == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (!s.want || s.d == nullptr) continue;
      if (!selectable(s.handle)) continue;
      int fd = static_cast<int>(s.handle);
      std::uint32_t ev = 0;
      if (FD_ISSET(fd, &rd)) ev |= pollin;
      if (FD_ISSET(fd, &wr)) ev |= pollout;
      if (FD_ISSET(fd, &ex)) ev |= pollerr;
      if (ev) out.push_back(ready_event{static_cast<std::uint32_t>(i), ev});
    }
  }
};

}  // namespace

std::unique_ptr<poller> make_select_poller() { return std::unique_ptr<poller>(new select_poller()); }
#endif


}  // namespace lwip
}  // namespace detail
}  // namespace asyncore
