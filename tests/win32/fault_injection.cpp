// SPDX-License-Identifier: MIT
// tests/fault_injection.hpp on Windows: hooks in src/win32/syscalls.hpp's
// table. A portable std::errc becomes the Winsock code that the layer
// translates back to it (src/win32/error.cpp); an injected call reports it
// with WSASetLastError, as Winsock does.
#include "fault_injection.hpp"

#include "win32/syscalls.hpp"

namespace fault {
namespace {

namespace w = asyncore::detail::win32;

const w::syscall_table& real() { return w::real_sys(); }

int native(std::errc e) noexcept {
  switch (e) {
    case std::errc::interrupted: return WSAEINTR;
    case std::errc::operation_would_block: return WSAEWOULDBLOCK;
    case std::errc::operation_in_progress: return WSAEINPROGRESS;
    case std::errc::no_buffer_space: return WSAENOBUFS;
    case std::errc::not_enough_memory: return ERROR_NOT_ENOUGH_MEMORY;  // WSA_NOT_ENOUGH_MEMORY
    case std::errc::connection_reset: return WSAECONNRESET;
    case std::errc::connection_refused: return WSAECONNREFUSED;
    case std::errc::connection_aborted: return WSAECONNABORTED;
    case std::errc::too_many_files_open: return WSAEMFILE;
    case std::errc::network_down: return WSAENETDOWN;
    default: return 0;
  }
}

asyncore::native_handle_type h_of(SOCKET s) { return static_cast<asyncore::native_handle_type>(s); }

// The wake-up socket is the only datagram socket the suite's channels use.
bool datagram(SOCKET s) {
  int type = 0;
  int len = static_cast<int>(sizeof type);
  return real().getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0 && type == SOCK_DGRAM;
}

bool take(op o, SOCKET s, int& code) noexcept {
  std::errc e;
  if (!engine::take(o, h_of(s), e)) return false;
  code = native(e);
  return true;
}

SOCKET WSAAPI hook_socket(int af, int type, int proto, LPWSAPROTOCOL_INFOW info, GROUP g, DWORD flags) {
  int code;
  if (take(op::open, INVALID_SOCKET, code)) {
    ::WSASetLastError(code);
    return INVALID_SOCKET;
  }
  return real().socket(af, type, proto, info, g, flags);
}

int WSAAPI hook_connect(SOCKET s, const sockaddr* a, int len) {
  int code;
  if (!take(op::connect, s, code)) return real().connect(s, a, len);
  if (code == WSAEINTR || code == WSAEINPROGRESS) {
    const int r = real().connect(s, a, len);
    if (r != 0 && ::WSAGetLastError() != WSAEWOULDBLOCK) return r;
  }
  ::WSASetLastError(code);
  return SOCKET_ERROR;
}

SOCKET WSAAPI hook_accept(SOCKET s, sockaddr* a, int* len) {
  int code;
  if (take(op::accept, s, code)) {
    ::WSASetLastError(code);
    return INVALID_SOCKET;
  }
  return real().accept(s, a, len);
}

int WSAAPI hook_send(SOCKET s, const char* p, int n, int flags) {
  const op o = datagram(s) ? op::wake : op::send;
  int code;
  if (take(o, s, code)) {
    ::WSASetLastError(code);
    return SOCKET_ERROR;
  }
  if (o == op::send) n = static_cast<int>(engine::send_cap(h_of(s), static_cast<std::size_t>(n)));
  return real().send(s, p, n, flags);
}

int WSAAPI hook_recv(SOCKET s, char* p, int n, int flags) {
  int code;
  if (!datagram(s) && take(op::recv, s, code)) {
    ::WSASetLastError(code);
    return SOCKET_ERROR;
  }
  return real().recv(s, p, n, flags);
}

int WSAAPI hook_closesocket(SOCKET s) {
  int code;
  const bool f = take(op::close, s, code);
  const int r = real().closesocket(s);
  if (!f) return r;
  ::WSASetLastError(code);
  return SOCKET_ERROR;
}

// select's timeout is `const timeval*` in Microsoft's SDK, PTIMEVAL in
// MinGW-w64's: the type comes from the table's entry.
template <class Timeout>
int WSAAPI hook_select(int n, fd_set* r, fd_set* wr, fd_set* e, Timeout tv) {
  int code;
  if (take(op::wait, INVALID_SOCKET, code)) {
    ::WSASetLastError(code);
    return SOCKET_ERROR;
  }
  return real().select(n, r, wr, e, tv);
}

int WSAAPI hook_poll(WSAPOLLFD* f, ULONG n, INT timeout) {
  int code;
  if (take(op::wait, INVALID_SOCKET, code)) {
    ::WSASetLastError(code);
    return SOCKET_ERROR;
  }
  return real().poll(f, n, timeout);
}

int WSAAPI hook_getsockopt(SOCKET s, int level, int name, char* v, int* len) {
  const int r = real().getsockopt(s, level, name, v, len);
  int code;
  if (r == 0 && level == SOL_SOCKET && name == SO_ERROR && take(op::connect_result, s, code)) {
    *reinterpret_cast<int*>(v) = code;
  }
  return r;
}

}  // namespace

const char* cannot(op o, std::errc e) noexcept {
  if (o == op::ctl) return "Winsock has no registration call: select and WSAPoll take the whole set on each wait";
  if (e == std::errc::interrupted && o != op::wait)
    return "Winsock's non-blocking calls never fail with WSAEINTR (only a blocking call that is cancelled)";
  if (native(e) == 0) return "no Winsock error code for this condition";
  return nullptr;
}

std::error_code reported(op, std::errc e) noexcept { return std::make_error_code(e); }

void install() noexcept {
  engine::reset();
  w::syscall_table& t = w::sys();
  t = real();
  t.socket = &hook_socket;
  t.connect = &hook_connect;
  t.accept = &hook_accept;
  t.send = &hook_send;
  t.recv = &hook_recv;
  t.closesocket = &hook_closesocket;
  t.select = &hook_select;
  t.poll = &hook_poll;
  t.getsockopt = &hook_getsockopt;
}

void uninstall() noexcept {
  w::sys() = real();
  engine::reset();
}

}  // namespace fault
