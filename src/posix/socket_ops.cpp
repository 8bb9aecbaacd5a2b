// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): the socket half of the platform interface.
#include "../platform.hpp"
#include "../socket_common.hpp"
#include "posix.hpp"
#include "syscalls.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/epoll.h>
#endif

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace asyncore {
namespace detail {

namespace posix {

int accept_nonblocking(int fd, sockaddr* sa, socklen_t* len) noexcept {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  return ::accept4(fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  int c = ::accept(fd, sa, len);
  if (c >= 0) {
    ::fcntl(c, F_SETFD, FD_CLOEXEC);
    ::fcntl(c, F_SETFL, ::fcntl(c, F_GETFL) | O_NONBLOCK);
  }
  return c;
#endif
}

#if ASYNCORE_TESTING
namespace {

ssize_t real_write(int fd, const void* p, size_t n) { return ::write(fd, p, n); }
ssize_t real_read(int fd, void* p, size_t n) { return ::read(fd, p, n); }

syscall_table make_real() {
  syscall_table t{};
  t.socket = &::socket;
  t.connect = &::connect;
  t.accept = &accept_nonblocking;
  t.send = &::send;
  t.recv = &::recv;
  t.close = &::close;
  t.poll = &::poll;
  t.select = &::select;
#if defined(__linux__)
  t.epoll_ctl = &::epoll_ctl;
  t.epoll_wait = &::epoll_wait;
#endif
  t.getsockopt = [](int fd, int level, int name, void* v, socklen_t* len) { return ::getsockopt(fd, level, name, v, len); };
  t.wake_write = &real_write;
  t.wake_read = &real_read;
  return t;
}

const syscall_table g_real = make_real();
syscall_table g_sys = g_real;

}  // namespace

syscall_table& sys() noexcept { return g_sys; }
const syscall_table& real_sys() noexcept { return g_real; }
#endif

}  // namespace posix

namespace platform {

using posix::last_error;
using posix::sys;

namespace {

int native_family(family f) {
  switch (f) {
    case family::inet:
      return AF_INET;
    case family::inet6:
      return AF_INET6;
    case family::local:
      return AF_UNIX;
    case family::unspec:
      break;
  }
  return AF_UNSPEC;
}

int fd_of(handle h) { return static_cast<int>(h); }

bool set_flag(int fd, int get, int set, int flag, bool on, std::error_code& ec) {
  int v = ::fcntl(fd, get);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  int nv = on ? (v | flag) : (v & ~flag);
  if (nv != v && ::fcntl(fd, set, nv) < 0) {
    ec = last_error();
    return false;
  }
  return true;
}

// write(2) on a pipe whose reader is gone raises SIGPIPE; MSG_NOSIGNAL only
// exists for sockets. Block the signal in this thread for the call and
// consume it if the call raised it, so the process's handlers are untouched.
ssize_t write_nosigpipe(int fd, const void* p, std::size_t n) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t r = ::write(fd, p, n);
  int saved = errno;
  if (r < 0 && saved == EPIPE && !was_pending) {
    timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return r;
}

}  // namespace

void enable_datagrams() noexcept {}  // datagrams need nothing switched on here

handle open(family f, socket_type t, std::error_code& ec) noexcept {
  ec.clear();
  int domain = native_family(f);
  if (domain == AF_UNSPEC) {
    ec = make_error_code(errc::invalid_address);
    return invalid_handle;
  }
  int type = t == socket_type::dgram ? SOCK_DGRAM : SOCK_STREAM;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  int fd = sys().socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return invalid_handle;
  }
#else
  int fd = sys().socket(domain, type, 0);
  if (fd < 0) {
    ec = last_error();
    return invalid_handle;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
#ifdef SO_NOSIGPIPE
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return fd;
}

void close(handle h, std::error_code& ec) noexcept {
  ec.clear();
  // POSIX leaves the descriptor's state unspecified after EINTR; on Linux it
  // is closed, so never retry (a retry could close a reused descriptor).
  if (sys().close(fd_of(h)) < 0 && errno != EINTR) ec = last_error();
}

void bind(handle h, const address& a, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(a, ss, ec);
  if (ec) return;
  if (::bind(fd_of(h), reinterpret_cast<sockaddr*>(&ss), len) < 0) ec = last_error();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec.clear();
  if (::listen(fd_of(h), backlog) < 0) ec = last_error();
}

void connect(handle h, const address& a, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(a, ss, ec);
  if (ec) return;
  if (sys().connect(fd_of(h), reinterpret_cast<sockaddr*>(&ss), len) == 0) return;
  int e = errno;
  // An interrupted connect goes on in the background, like EINPROGRESS.
  if (e == EINPROGRESS || e == EINTR) {
    ec = std::make_error_code(std::errc::operation_in_progress);
  } else if (e == EAGAIN && a.get_family() == family::local) {
    // A full AF_UNIX backlog: Linux says EAGAIN where TCP would queue.
    ec = std::make_error_code(std::errc::resource_unavailable_try_again);
  } else {
    ec = posix::translate(e);
  }
}

handle accept(handle h, address* peer, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int c;
  do {
    c = sys().accept(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len);
  } while (c < 0 && errno == EINTR);
  if (c < 0) {
    ec = last_error();
    return invalid_handle;
  }
#ifdef SO_NOSIGPIPE
  int one = 1;
  ::setsockopt(c, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  if (peer) *peer = posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
  return c;
}

std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept {
  if (ec) ec.clear();  // the hot path: clear() calls system_category() out of line
  int flags = oob ? MSG_OOB : 0;
#ifdef MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
  ssize_t r;
  do {
    r = sys().send(fd_of(h), p, n, flags);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK && !oob) {  // a file_dispatcher's descriptor
    do {
      r = write_nosigpipe(fd_of(h), p, n);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept {
  if (ec) ec.clear();  // the hot path: clear() calls system_category() out of line
  ssize_t r;
  do {
    r = sys().recv(fd_of(h), p, n, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {  // a file_dispatcher's descriptor
    do {
      r = ::read(fd_of(h), p, n);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(to, ss, ec);
  if (ec) return 0;
  int flags = 0;
#ifdef MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
  ssize_t r;
  do {
    r = ::sendto(fd_of(h), p, n, flags, reinterpret_cast<sockaddr*>(&ss), len);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ssize_t r;
  do {
    r = ::recvfrom(fd_of(h), p, n, 0, reinterpret_cast<sockaddr*>(&ss), &len);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  from = posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
  return static_cast<std::size_t>(r);
}

void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept {
  ec.clear();
  int v = how == shutdown_type::receive ? SHUT_RD : how == shutdown_type::send ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(fd_of(h), v) < 0) ec = last_error();
}

address local_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return address();
  }
  return posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
}

address peer_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getpeername(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return address();
  }
  return posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
}

namespace {

const common::option_table options = {
    common::option(SOL_SOCKET, SO_REUSEADDR),
    common::option(SOL_SOCKET, SO_ERROR),
    common::option(SOL_SOCKET, SO_TYPE),
    common::option(SOL_SOCKET, SO_KEEPALIVE),
    common::option(SOL_SOCKET, SO_BROADCAST),
    common::option(SOL_SOCKET, SO_RCVBUF),
    common::option(SOL_SOCKET, SO_SNDBUF),
    common::option(IPPROTO_TCP, TCP_NODELAY),
    common::option(IPPROTO_IPV6, IPV6_V6ONLY),
    common::option(SOL_SOCKET, SO_LINGER),
};

// The raw option calls common::get_option / set_option are built on.
struct raw_options {
  static bool get_int(handle h, const common::native_option& o, int& v, std::error_code& ec) noexcept {
    socklen_t len = sizeof v;
    if (::getsockopt(fd_of(h), o.level, o.name, &v, &len) < 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
  static bool get_linger(handle h, const common::native_option& o, common::linger_setting& out,
                         std::error_code& ec) noexcept {
    struct linger l {};
    socklen_t len = sizeof l;
    if (::getsockopt(fd_of(h), o.level, o.name, &l, &len) < 0) {
      ec = last_error();
      return false;
    }
    out = {l.l_onoff != 0, l.l_linger};
    return true;
  }
  static bool set_int(handle h, const common::native_option& o, int v, std::error_code& ec) noexcept {
    if (::setsockopt(fd_of(h), o.level, o.name, &v, sizeof v) < 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
  static bool set_linger(handle h, const common::native_option& o, common::linger_setting s,
                         std::error_code& ec) noexcept {
    struct linger l {};
    l.l_onoff = s.on ? 1 : 0;
    l.l_linger = s.seconds;
    if (::setsockopt(fd_of(h), o.level, o.name, &l, sizeof l) < 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
};

}  // namespace

int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept {
  int v = common::get_option<raw_options>(options, h, opt, ec);
  if (!ec && opt == sockopt::error) return posix::translate(v).value();
  return v;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  common::set_option<raw_options>(options, h, opt, value, ec);
}

std::error_code pending_error(handle h) noexcept {
  int v = 0;
  socklen_t len = sizeof v;
  if (sys().getsockopt(fd_of(h), SOL_SOCKET, SO_ERROR, &v, &len) < 0) {
    if (errno == ENOTSOCK) return {};  // a file: Python's file_wrapper answers 0
    return last_error();
  }
  return posix::translate(v);
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept { setsockopt(h, sockopt::reuse_addr, 1, ec); }

void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept {
  ec.clear();
  set_flag(fd_of(h), F_GETFL, F_SETFL, O_NONBLOCK, !blocking, ec);
}

bool blocking(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int v = ::fcntl(fd_of(h), F_GETFL);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  return (v & O_NONBLOCK) == 0;
}

bool inheritable(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int v = ::fcntl(fd_of(h), F_GETFD);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  return (v & FD_CLOEXEC) == 0;
}

family get_family(handle h, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return family::unspec;
  }
  switch (ss.ss_family) {
    case AF_INET:
      return family::inet;
    case AF_INET6:
      return family::inet6;
    case AF_UNIX:
      return family::local;
    default:
      return family::unspec;
  }
}

socket_type get_type(handle h, std::error_code& ec) noexcept {
  int v = getsockopt(h, sockopt::type, ec);
  return v == SOCK_DGRAM ? socket_type::dgram : socket_type::stream;
}

void socket_pair(handle out[2], std::error_code& ec) noexcept {
  ec.clear();
  int sv[2];
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    ec = last_error();
    return;
  }
#else
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
    ec = last_error();
    return;
  }
  for (int fd : sv) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
#endif
  out[0] = sv[0];
  out[1] = sv[1];
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
