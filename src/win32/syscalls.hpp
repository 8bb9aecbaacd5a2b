// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows, internal): the Winsock-call seam.
//
// The Windows layer makes the Winsock calls that talk to the network or wait
// as `sys().name(...)`: WSASocketW (open), connect, accept, send, recv,
// closesocket, select, WSAPoll and the SO_ERROR read (getsockopt). The map's
// wake-up (src/udp_wake.cpp) is a UDP socket written and read through the
// platform's send and recv, so it goes through the same entries. Tests
// replace entries to inject failures (tests/win32/fault_injection.cpp,
// behind tests/fault_injection.hpp); an injected function reports its error
// with WSASetLastError, as Winsock does.
//
// As on POSIX (src/posix/syscalls.hpp): with ASYNCORE_TESTING a table of
// function pointers holding the real functions, restored from real_sys();
// otherwise an empty object whose members call Winsock directly.
#ifndef ASYNCORE_SRC_WIN32_SYSCALLS_HPP
#define ASYNCORE_SRC_WIN32_SYSCALLS_HPP

#include "winsock.hpp"

#ifndef ASYNCORE_TESTING
#define ASYNCORE_TESTING 0
#endif

namespace asyncore {
namespace detail {
namespace win32 {

#if ASYNCORE_TESTING

struct syscall_table {
  decltype(&::WSASocketW) socket;
  decltype(&::connect) connect;
  decltype(&::accept) accept;
  decltype(&::send) send;
  decltype(&::recv) recv;
  decltype(&::closesocket) closesocket;
  decltype(&::select) select;
  decltype(&::WSAPoll) poll;
  decltype(&::getsockopt) getsockopt;  // the SO_ERROR read (read_so_error)
};

/// The table in use (runtime.cpp).
syscall_table& sys() noexcept;
/// The real functions (to restore, or to call from an injected one).
const syscall_table& real_sys() noexcept;

#else

/// Without the seam: the same calls, straight to Winsock.
struct direct_syscalls {
  static SOCKET socket(int af, int type, int proto, LPWSAPROTOCOL_INFOW info, GROUP g, DWORD flags) {
    return ::WSASocketW(af, type, proto, info, g, flags);
  }
  static int connect(SOCKET s, const sockaddr* a, int len) { return ::connect(s, a, len); }
  static SOCKET accept(SOCKET s, sockaddr* a, int* len) { return ::accept(s, a, len); }
  static int send(SOCKET s, const char* p, int n, int flags) { return ::send(s, p, n, flags); }
  static int recv(SOCKET s, char* p, int n, int flags) { return ::recv(s, p, n, flags); }
  static int closesocket(SOCKET s) { return ::closesocket(s); }
  static int select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* tv) { return ::select(n, r, w, e, tv); }
  static int poll(WSAPOLLFD* f, ULONG n, INT timeout) { return ::WSAPoll(f, n, timeout); }
  static int getsockopt(SOCKET s, int level, int name, char* v, int* len) { return ::getsockopt(s, level, name, v, len); }
};
inline direct_syscalls sys() noexcept { return {}; }

#endif

}  // namespace win32
}  // namespace detail
}  // namespace asyncore

#endif
