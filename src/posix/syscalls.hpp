// asyncore for C++ (POSIX, internal): the system-call seam.
//
// The POSIX layer calls the few system calls that event loops get wrong in
// the field (poll, select, recv, send, accept) through this table, so tests
// can inject EINTR, would-block, resets and short transfers without timing
// tricks. In production it holds the real functions and costs one indirect
// call. Only tests replace entries, and they restore them.
#ifndef ASYNCORE_SRC_POSIX_SYSCALLS_HPP
#define ASYNCORE_SRC_POSIX_SYSCALLS_HPP

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

namespace asyncore {
namespace detail {
namespace posix {

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

}  // namespace posix
}  // namespace detail
}  // namespace asyncore

#endif
