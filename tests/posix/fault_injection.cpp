// SPDX-License-Identifier: MIT
// tests/fault_injection.hpp on POSIX: hooks in src/posix/syscalls.hpp's
// table. A portable std::errc is the errno value of the same name.
#include "fault_injection.hpp"

#include "posix/syscalls.hpp"

#include <cerrno>
#include <sys/socket.h>
#if defined(__linux__)
#include <sys/epoll.h>
#endif

namespace fault {
namespace {

namespace pz = asyncore::detail::posix;

const pz::syscall_table& real() { return pz::real_sys(); }

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

int hook_connect(int fd, const sockaddr* sa, socklen_t len) {
  int err;
  if (!take(op::connect, fd, err)) return real().connect(fd, sa, len);
  if (err == EINTR || err == EINPROGRESS) {
    const int r = real().connect(fd, sa, len);
    if (r < 0 && errno != EINPROGRESS && errno != EAGAIN) return r;  // a real failure wins
  }
  errno = err;
  return -1;
}

int hook_accept(int fd, sockaddr* sa, socklen_t* len) {
  int err;
  if (take(op::accept, fd, err)) {
    errno = err;
    return -1;
  }
  return real().accept(fd, sa, len);
}

ssize_t hook_send(int fd, const void* p, size_t n, int flags) {
  int err;
  if (take(op::send, fd, err)) {
    errno = err;
    return -1;
  }
  return real().send(fd, p, engine::send_cap(fd, n), flags);
}

ssize_t hook_recv(int fd, void* p, size_t n, int flags) {
  int err;
  if (take(op::recv, fd, err)) {
    errno = err;
    return -1;
  }
  return real().recv(fd, p, n, flags);
}

int hook_close(int fd) {
  int err;
  const bool f = take(op::close, fd, err);
  const int r = real().close(fd);
  if (!f) return r;
  errno = err;
  return -1;
}

int hook_poll(pollfd* fds, nfds_t n, int timeout) {
  int err;
  if (take(op::wait, -1, err)) {
    errno = err;
    return -1;
  }
  return real().poll(fds, n, timeout);
}

int hook_select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* tv) {
  int err;
  if (take(op::wait, -1, err)) {
    errno = err;
    return -1;
  }
  return real().select(n, r, w, e, tv);
}

int hook_epoll_wait(int ep, epoll_event* ev, int n, int timeout) {
  int err;
  if (take(op::wait, -1, err)) {
    errno = err;
    return -1;
  }
  return real().epoll_wait(ep, ev, n, timeout);
}

int hook_epoll_ctl(int ep, int o, int fd, epoll_event* ev) {
  int err;
#if defined(__linux__)
  // Only registrations fail: a removal's failure is ignored by the backend.
  if (o != EPOLL_CTL_DEL && take(op::ctl, fd, err)) {
    errno = err;
    return -1;
  }
#else
  (void)err;
#endif
  return real().epoll_ctl(ep, o, fd, ev);
}

int hook_getsockopt(int fd, int level, int name, void* v, socklen_t* len) {
  const int r = real().getsockopt(fd, level, name, v, len);
  int err;
  if (r == 0 && level == SOL_SOCKET && name == SO_ERROR && take(op::connect_result, fd, err)) {
    *static_cast<int*>(v) = err;
  }
  return r;
}

ssize_t hook_wake_write(int fd, const void* p, size_t n) {
  int err;
  if (take(op::wake, fd, err)) {
    errno = err;
    return -1;
  }
  return real().wake_write(fd, p, n);
}

}  // namespace

const char* cannot(op o, std::errc e) noexcept {
  if (o == op::ctl && !real().epoll_ctl) return "no epoll on this system";
  (void)e;
  return nullptr;
}

std::error_code reported(op, std::errc e) noexcept { return std::make_error_code(e); }

void install() noexcept {
  engine::reset();
  pz::syscall_table& t = pz::sys();
  t = real();
  t.socket = &hook_socket;
  t.connect = &hook_connect;
  t.accept = &hook_accept;
  t.send = &hook_send;
  t.recv = &hook_recv;
  t.close = &hook_close;
  t.poll = &hook_poll;
  t.select = &hook_select;
  if (t.epoll_wait) t.epoll_wait = &hook_epoll_wait;
  if (t.epoll_ctl) t.epoll_ctl = &hook_epoll_ctl;
  t.getsockopt = &hook_getsockopt;
  t.wake_write = &hook_wake_write;
}

void uninstall() noexcept {
  pz::sys() = real();
  engine::reset();
}

}  // namespace fault
