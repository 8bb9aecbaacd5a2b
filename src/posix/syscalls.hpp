// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX, internal): the system-call seam.
//
// The POSIX layer calls the few system calls that event loops get wrong in
// the field (poll, select, recv, send, accept) as `sys().poll(...)` and so
// on, so tests can inject EINTR, would-block, resets and short transfers
// without timing tricks.
//
// The replaceable table exists only in test builds: CMake defines
// ASYNCORE_TESTING=1 when the conformance suite is built (ASYNCORE_BUILD_TESTS)
// or when ASYNCORE_TESTING is asked for. There `sys()` is a table of function
// pointers holding the real functions (one indirect call); only tests replace
// entries, and they restore them from `real_sys()`. In every other build
// `sys()` is an empty object whose members call the system functions
// directly: nothing to overwrite, no indirect call.
#ifndef ASYNCORE_SRC_POSIX_SYSCALLS_HPP
#define ASYNCORE_SRC_POSIX_SYSCALLS_HPP

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifndef ASYNCORE_TESTING
#define ASYNCORE_TESTING 0
#endif

namespace asyncore {
namespace detail {
namespace posix {

/// accept(2) returning a non-blocking, close-on-exec socket (accept4 where
/// the system has it). socket_ops.cpp.
int accept_nonblocking(int fd, sockaddr* sa, socklen_t* len) noexcept;

#if ASYNCORE_TESTING

struct syscall_table {
  int (*poll)(struct pollfd*, nfds_t, int);
  int (*select)(int, fd_set*, fd_set*, fd_set*, struct timeval*);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*send)(int, const void*, size_t, int);
  int (*accept)(int, struct sockaddr*, socklen_t*);  // returns a non-blocking, close-on-exec socket
};

/// The table in use.
syscall_table& sys() noexcept;
/// The real functions (to restore, or to call from an injected one).
const syscall_table& real_sys() noexcept;

#else

/// Without the seam: the same calls, straight to the system.
struct direct_syscalls {
  static int poll(struct pollfd* f, nfds_t n, int timeout) { return ::poll(f, n, timeout); }
  static int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) { return ::select(n, r, w, e, tv); }
  static ssize_t recv(int fd, void* p, size_t n, int flags) { return ::recv(fd, p, n, flags); }
  static ssize_t send(int fd, const void* p, size_t n, int flags) { return ::send(fd, p, n, flags); }
  static int accept(int fd, struct sockaddr* sa, socklen_t* len) { return accept_nonblocking(fd, sa, len); }
};
inline direct_syscalls sys() noexcept { return {}; }

#endif

}  // namespace posix
}  // namespace detail
}  // namespace asyncore

#endif
