// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX, internal): the system-call seam.
//
// The POSIX layer makes every system call that talks to the network or
// waits as `sys().name(...)`: socket, connect, accept, send, recv, close,
// poll, select, epoll_ctl, epoll_wait, the SO_ERROR read of pending_error,
// and the wake-up handle's write (signal) and read (drain). Tests replace
// entries to inject EINTR, would-block storms, resets, short transfers,
// ENOBUFS/ENOMEM, EMFILE or a failing close without timing tricks
// (tests/posix/fault_injection.cpp, behind tests/fault_injection.hpp).
//
// The replaceable table exists only in test builds: CMake defines
// ASYNCORE_TESTING=1 when the conformance suite is built (ASYNCORE_BUILD_TESTS)
// or when ASYNCORE_TESTING is asked for. There `sys()` is a table of function
// pointers holding the real functions (one indirect call); only tests replace
// entries, and they restore them from `real_sys()`. In every other build
// `sys()` is an empty object whose members call the system functions
// directly: nothing to overwrite, no indirect call.
//
// The same shape exists for Windows (src/win32/syscalls.hpp) and lwIP
// (src/lwip/syscalls.hpp), each with its own platform's calls.
#ifndef ASYNCORE_SRC_POSIX_SYSCALLS_HPP
#define ASYNCORE_SRC_POSIX_SYSCALLS_HPP

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/epoll.h>
#endif

#ifndef ASYNCORE_TESTING
#define ASYNCORE_TESTING 0
#endif

struct epoll_event;  // Linux only; declared here so the table has one shape everywhere

namespace asyncore {
namespace detail {
namespace posix {

/// accept(2) returning a non-blocking, close-on-exec socket (accept4 where
/// the system has it). socket_ops.cpp.
int accept_nonblocking(int fd, sockaddr* sa, socklen_t* len) noexcept;

#if ASYNCORE_TESTING

struct syscall_table {
  int (*socket)(int, int, int);
  int (*connect)(int, const struct sockaddr*, socklen_t);
  int (*accept)(int, struct sockaddr*, socklen_t*);  // returns a non-blocking, close-on-exec socket
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*recv)(int, void*, size_t, int);
  int (*close)(int);
  int (*poll)(struct pollfd*, nfds_t, int);
  int (*select)(int, fd_set*, fd_set*, fd_set*, struct timeval*);
  int (*epoll_ctl)(int, int, int, struct epoll_event*);  // null where there is no epoll
  int (*epoll_wait)(int, struct epoll_event*, int, int);
  int (*getsockopt)(int, int, int, void*, socklen_t*);   // pending_error's SO_ERROR read
  ssize_t (*wake_write)(int, const void*, size_t);       // wake_signal
  ssize_t (*wake_read)(int, void*, size_t);              // wake_drain
};

/// The table in use.
syscall_table& sys() noexcept;
/// The real functions (to restore, or to call from an injected one).
const syscall_table& real_sys() noexcept;

#else

/// Without the seam: the same calls, straight to the system.
struct direct_syscalls {
  static int socket(int d, int t, int p) { return ::socket(d, t, p); }
  static int connect(int fd, const struct sockaddr* sa, socklen_t len) { return ::connect(fd, sa, len); }
  static int accept(int fd, struct sockaddr* sa, socklen_t* len) { return accept_nonblocking(fd, sa, len); }
  static ssize_t send(int fd, const void* p, size_t n, int flags) { return ::send(fd, p, n, flags); }
  static ssize_t recv(int fd, void* p, size_t n, int flags) { return ::recv(fd, p, n, flags); }
  static int close(int fd) { return ::close(fd); }
  static int poll(struct pollfd* f, nfds_t n, int timeout) { return ::poll(f, n, timeout); }
  static int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) { return ::select(n, r, w, e, tv); }
#if defined(__linux__)
  static int epoll_ctl(int ep, int op, int fd, struct epoll_event* e) { return ::epoll_ctl(ep, op, fd, e); }
  static int epoll_wait(int ep, struct epoll_event* e, int n, int t) { return ::epoll_wait(ep, e, n, t); }
#endif
  static int getsockopt(int fd, int level, int name, void* v, socklen_t* len) {
    return ::getsockopt(fd, level, name, v, len);
  }
  static ssize_t wake_write(int fd, const void* p, size_t n) { return ::write(fd, p, n); }
  static ssize_t wake_read(int fd, void* p, size_t n) { return ::read(fd, p, n); }
};
inline direct_syscalls sys() noexcept { return {}; }

#endif

}  // namespace posix
}  // namespace detail
}  // namespace asyncore

#endif
