// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP, internal): the lwip_* call seam.
//
// The lwIP layer makes the socket calls that talk to the network or wait as
// `sys().name(...)`: lwip_socket (open), lwip_connect, lwip_accept,
// lwip_send, lwip_recv, lwip_close, lwip_select, lwip_poll and the SO_ERROR
// read of pending_error (lwip_getsockopt). The map's wake-up
// (src/udp_wake.cpp) is a UDP socket written and read through the platform's
// send and recv, so it goes through the same entries. Tests replace entries
// to inject failures (tests/lwip/fault_injection.cpp, behind
// tests/fault_injection.hpp); an injected function sets errno, as lwIP does
// with LWIP_ERRNO_STDINCLUDE (see lwip.hpp).
//
// As on POSIX (src/posix/syscalls.hpp): with ASYNCORE_TESTING a table of
// function pointers holding the real functions, restored from real_sys();
// otherwise an empty object whose members call lwIP directly.
#ifndef ASYNCORE_SRC_LWIP_SYSCALLS_HPP
#define ASYNCORE_SRC_LWIP_SYSCALLS_HPP

#include "lwip.hpp"

#ifndef ASYNCORE_TESTING
#define ASYNCORE_TESTING 0
#endif

namespace asyncore {
namespace detail {
namespace lwip {

#if ASYNCORE_TESTING

struct syscall_table {
  decltype(&::lwip_socket) socket;
  decltype(&::lwip_connect) connect;
  decltype(&::lwip_accept) accept;
  decltype(&::lwip_send) send;
  decltype(&::lwip_recv) recv;
  decltype(&::lwip_close) close;
#if LWIP_SOCKET_SELECT
  decltype(&::lwip_select) select;
#endif
#if LWIP_SOCKET_POLL
  decltype(&::lwip_poll) poll;
#endif
  decltype(&::lwip_getsockopt) getsockopt;  // pending_error's SO_ERROR read
};

/// The table in use (socket_ops.cpp).
syscall_table& sys() noexcept;
/// The real functions (to restore, or to call from an injected one).
const syscall_table& real_sys() noexcept;

#else

/// Without the seam: the same calls, straight to lwIP.
struct direct_syscalls {
  static int socket(int d, int t, int p) { return ::lwip_socket(d, t, p); }
  static int connect(int s, const struct sockaddr* a, socklen_t len) { return ::lwip_connect(s, a, len); }
  static int accept(int s, struct sockaddr* a, socklen_t* len) { return ::lwip_accept(s, a, len); }
  static ssize_t send(int s, const void* p, size_t n, int flags) { return ::lwip_send(s, p, n, flags); }
  static ssize_t recv(int s, void* p, size_t n, int flags) { return ::lwip_recv(s, p, n, flags); }
  static int close(int s) { return ::lwip_close(s); }
#if LWIP_SOCKET_SELECT
  static int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) { return ::lwip_select(n, r, w, e, tv); }
#endif
#if LWIP_SOCKET_POLL
  static int poll(struct pollfd* f, nfds_t n, int timeout) { return ::lwip_poll(f, n, timeout); }
#endif
  static int getsockopt(int s, int level, int name, void* v, socklen_t* len) {
    return ::lwip_getsockopt(s, level, name, v, len);
  }
};
inline direct_syscalls sys() noexcept { return {}; }

#endif

}  // namespace lwip
}  // namespace detail
}  // namespace asyncore

#endif
