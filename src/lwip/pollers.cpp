// asyncore for C++ (lwIP platform): the lwip_select and lwip_poll backends,
// the capabilities, and time (sys_now / sys_msleep).
//
// What lwIP reports, and how it is passed to the loop:
//  - lwIP's exceptset / POLLERR mean "this socket has an error" (the netconn
//    got NETCONN_EVT_ERROR: reset, refused connect, abort). There is no
//    out-of-band data in lwIP. Both are reported as pollerr, never pollpri.
//    The error is sticky (lwIP never clears it while the socket is open), so
//    every wait reports it again: the loop's handling (a readable channel
//    reads and gets the error -> handle_close/handle_error; a connecting one
//    completes its connect with the error -> handle_error) closes the channel.
//  - lwIP has no POLLHUP: a peer's close is "readable" and recv() gives 0.
//  - lwip_select only reports an exception for a descriptor that is in the
//    exceptset, so every watched descriptor is put there.
//  - lwip_poll fails the whole call (-1, EBADF) at the first invalid
//    descriptor and marks it POLLNVAL; lwip_select fails with EBADF without
//    saying which. Either way the invalid descriptors are reported as
//    pollnval (found by probing them) instead of failing the wait.
//  - Timeouts are passed in whole milliseconds, rounded up.
#include "lwip.hpp"

#include "../platform.hpp"
#include "../poller.hpp"

#include <new>

namespace asyncore {
namespace detail {
namespace lwip {
namespace {

bool valid_fd(int fd) noexcept {
  int v = 0;
  socklen_t len = sizeof v;
  return lwip_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0;
}

// Reports every watched descriptor that is not an open lwIP socket as
// pollnval. Returns true if it found one.
bool report_invalid(std::vector<slot>& slots, std::size_t n, std::vector<ready_event>& out) {
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const slot& s = slots[i];
    if (!s.want || s.d == nullptr) continue;
    if (s.handle < 0 || s.handle > 0x7fffffff || !valid_fd(static_cast<int>(s.handle))) {
      out.push_back(ready_event{static_cast<std::uint32_t>(i), pollnval});
      any = true;
    }
  }
  return any;
}

#if LWIP_SOCKET_SELECT
class select_poller final : public poller {
 public:
  void wait(std::vector<slot>& slots, std::size_t n, std::int64_t timeout_us, std::vector<ready_event>& out,
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
      if (s.handle < LWIP_SOCKET_OFFSET || s.handle >= FD_SETSIZE || s.handle >= LWIP_SELECT_MAXNFDS) {
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
    int r = lwip_select(maxfd + 1, &rd, &wr, &ex, ptv);
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
      if (s.handle < LWIP_SOCKET_OFFSET || s.handle >= FD_SETSIZE || s.handle >= LWIP_SELECT_MAXNFDS) continue;
      int fd = static_cast<int>(s.handle);
      std::uint32_t ev = 0;
      if (FD_ISSET(fd, &rd)) ev |= pollin;
      if (FD_ISSET(fd, &wr)) ev |= pollout;
      if (FD_ISSET(fd, &ex)) ev |= pollerr;
      if (ev) out.push_back(ready_event{static_cast<std::uint32_t>(i), ev});
    }
  }
};
#endif

#if LWIP_SOCKET_POLL
class poll_poller final : public poller {
 public:
  void wait(std::vector<slot>& slots, std::size_t n, std::int64_t timeout_us, std::vector<ready_event>& out,
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
    int r = lwip_poll(fds_.data(), static_cast<nfds_t>(fds_.size()), ms);
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
#endif

}  // namespace
}  // namespace lwip

namespace platform {

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  switch (b) {
#if LWIP_SOCKET_SELECT
    case backend::select: return std::unique_ptr<poller>(new lwip::select_poller());
#endif
#if LWIP_SOCKET_POLL
    case backend::poll: return std::unique_ptr<poller>(new lwip::poll_poller());
#endif
    default: break;
  }
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept {
  switch (b) {
    case backend::select: return LWIP_SOCKET_SELECT != 0;
    case backend::poll: return LWIP_SOCKET_POLL != 0;
    default: return false;
  }
}

const capabilities& caps() noexcept {
  static const capabilities c{
      "lwip",
      /*ipv6=*/LWIP_IPV6 != 0 && LWIP_HAVE_LOOPIF != 0,
      /*local=*/false,
      /*oob=*/false,
      /*files=*/false,
      /*pollhup=*/false,
  };
  return c;
}

std::int64_t monotonic_us() noexcept {
  // sys_now() is a 32-bit millisecond counter that wraps after ~49.7 days;
  // it is extended to 64 bits here (under lwIP's light-weight protection, so
  // that loops on several threads agree).
  static std::uint32_t last = 0;
  static std::uint64_t high = 0;
  SYS_ARCH_DECL_PROTECT(lev);
  SYS_ARCH_PROTECT(lev);
  std::uint32_t now = sys_now();
  if (now < last && last - now > 0x80000000u) high += std::uint64_t(1) << 32;
  if (now >= last || last - now > 0x80000000u) last = now;
  std::uint64_t ms = high + last;
  SYS_ARCH_UNPROTECT(lev);
  return static_cast<std::int64_t>(ms) * 1000;
}

void sleep_us(std::int64_t us) noexcept {
  if (us == 0) return;
  if (us < 0) {
    for (;;) sys_msleep(60000);  // without limit, as asked
  }
  std::int64_t ms = (us + 999) / 1000;
  while (ms > 0) {
    std::uint32_t chunk = ms > 0x7fffffff ? 0x7fffffffu : static_cast<std::uint32_t>(ms);
    sys_msleep(chunk);
    ms -= chunk;
  }
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
