// SPDX-License-Identifier: MIT
// tests/fault_injection.hpp on lwIP: hooks in src/lwip/syscalls.hpp's
// table. lwIP reports errors in the C library's errno (lwip.hpp requires
// it), so a portable std::errc is the errno value of the same name.
#include "fault_injection.hpp"

#include "lwip/syscalls.hpp"

#include <asyncore/error.hpp>

#include <cerrno>

namespace fault {
namespace {

namespace lw = asyncore::detail::lwip;

const lw::syscall_table& real() { return lw::real_sys(); }

// The wake-up socket is the only datagram socket the suite's channels use.
bool datagram(int s) {
  int type = 0;
  socklen_t len = sizeof type;
  return real().getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

bool take(op o, int fd, int& err) noexcept {
  std::errc e;
  if (!engine::take(o, fd, e)) return false;
  err = static_cast<int>(e);
  return true;
}

int hook_socket(int d, int t, int p) {
  int err;
  if (take(op::open, -1, err)) {
    errno = err;
    return -1;
  }
  return real().socket(d, t, p);
}

int hook_connect(int s, const struct sockaddr* a, socklen_t len) {
  int err;
  if (!take(op::connect, s, err)) return real().connect(s, a, len);
  if (err == EINTR || err == EINPROGRESS) {
    const int r = real().connect(s, a, len);
    if (r < 0 && errno != EINPROGRESS) return r;
  }
  errno = err;
  return -1;
}

int hook_accept(int s, struct sockaddr* a, socklen_t* len) {
  int err;
  if (take(op::accept, s, err)) {
    errno = err;
    return -1;
  }
  return real().accept(s, a, len);
}

ssize_t hook_send(int s, const void* p, size_t n, int flags) {
  const op o = datagram(s) ? op::wake : op::send;
  int err;
  if (take(o, s, err)) {
    errno = err;
    return -1;
  }
  if (o == op::send) n = engine::send_cap(s, n);
  return real().send(s, p, n, flags);
}

ssize_t hook_recv(int s, void* p, size_t n, int flags) {
  int err;
  if (!datagram(s) && take(op::recv, s, err)) {
    errno = err;
    return -1;
  }
  return real().recv(s, p, n, flags);
}

int hook_close(int s) {
  int err;
  const bool f = take(op::close, s, err);
  const int r = real().close(s);
  if (!f) return r;
  errno = err;
  return -1;
}

#if LWIP_SOCKET_SELECT
int hook_select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) {
  int err;
  if (take(op::wait, -1, err)) {
    errno = err;
    return -1;
  }
  return real().select(n, r, w, e, tv);
}
#endif

#if LWIP_SOCKET_POLL
int hook_poll(struct pollfd* f, nfds_t n, int timeout) {
  int err;
  if (take(op::wait, -1, err)) {
    errno = err;
    return -1;
  }
  return real().poll(f, n, timeout);
}
#endif

int hook_getsockopt(int s, int level, int name, void* v, socklen_t* len) {
  const int r = real().getsockopt(s, level, name, v, len);
  int err;
  if (r == 0 && level == SOL_SOCKET && name == SO_ERROR && take(op::connect_result, s, err)) {
    *static_cast<int*>(v) = err;
  }
  return r;
}

}  // namespace

const char* cannot(op o, std::errc e) noexcept {
  if (o == op::ctl) return "lwIP has no registration call: lwip_select and lwip_poll take the whole set on each wait";
  if (e == std::errc::interrupted && o != op::wait) return "lwIP's socket calls never fail with EINTR";
  return nullptr;
}

std::error_code reported(op o, std::errc e) noexcept {
  // src/lwip/error.cpp: a reset connect (at once or later) is lwIP's way of
  // saying refused; out of sockets or netconns is asyncore's
  // descriptors_exhausted.
  if ((o == op::connect || o == op::connect_result) && e == std::errc::connection_reset)
    return std::make_error_code(std::errc::connection_refused);
  if ((o == op::open || o == op::accept) && e == std::errc::too_many_files_open)
    return make_error_code(asyncore::errc::descriptors_exhausted);
  if (o == op::open && e == std::errc::no_buffer_space) return make_error_code(asyncore::errc::descriptors_exhausted);
  return std::make_error_code(e);
}

void install() noexcept {
  engine::reset();
  lw::syscall_table& t = lw::sys();
  t = real();
  t.socket = &hook_socket;
  t.connect = &hook_connect;
  t.accept = &hook_accept;
  t.send = &hook_send;
  t.recv = &hook_recv;
  t.close = &hook_close;
#if LWIP_SOCKET_SELECT
  t.select = &hook_select;
#endif
#if LWIP_SOCKET_POLL
  t.poll = &hook_poll;
#endif
  t.getsockopt = &hook_getsockopt;
}

void uninstall() noexcept {
  lw::sys() = real();
  engine::reset();
}

}  // namespace fault
