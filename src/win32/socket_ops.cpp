// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): the socket half of the platform interface
// (src/platform.hpp) on Winsock 2.
//
//  - Sockets are created with WSASocketW(..., WSA_FLAG_OVERLAPPED |
//    WSA_FLAG_NO_HANDLE_INHERIT), so no child process ever inherits them
//    (the flag exists since Windows 7 SP1; on older systems the call fails
//    with WSAEINVAL and we fall back to SetHandleInformation, which leaves a
//    short window in which a concurrent CreateProcess could inherit it).
//    WSA_FLAG_OVERLAPPED is what plain socket() uses.
//  - Non-blocking mode is set with ioctlsocket(FIONBIO) before the handle is
//    returned. Winsock cannot report the mode back, so it is recorded
//    (runtime.cpp): blocking() is exact for every socket the library opened,
//    accepted or set the mode of, and reports Winsock's default (blocking)
//    for a socket it never saw.
//  - Accepted sockets get the same treatment explicitly (non-blocking, not
//    inheritable) rather than relying on what accept() copies from the
//    listener.
//  - UDP sockets have SIO_UDP_CONNRESET and SIO_UDP_NETRESET turned off, so an
//    ICMP "port unreachable" for an earlier sendto() does not make the next
//    recvfrom() fail with WSAECONNRESET (Windows-only behaviour; POSIX never
//    reports it on an unconnected socket). Failure of these ioctls is ignored
//    (providers without them do not have the behaviour either).
//  - sockopt::reuse_addr and set_reuse_addr() mean SO_EXCLUSIVEADDRUSE: on
//    Windows SO_REUSEADDR lets another process bind the same port and steal
//    its traffic, while Windows already allows rebinding a port whose old
//    connections are in TIME_WAIT (Microsoft, "Using SO_REUSEADDR and
//    SO_EXCLUSIVEADDRUSE").
//  - A connect to a loopback address asks for no SYN retransmission
//    (SIO_TCP_INITIAL_RTO, Windows 10 1709 and later; best effort). Windows
//    answers a refused SYN by retrying it for about 2 s, even on loopback,
//    where Linux fails at once; a SYN on loopback cannot be lost, so nothing
//    is given up (libuv does the same: libuv/libuv#2896).
//  - There is no SIGPIPE on Windows; send() never raises a signal.
#include "platform.hpp"
#include "socket_common.hpp"
#include "syscalls.hpp"
#include "winsock.hpp"

#include <asyncore/error.hpp>

#include <climits>
#include <cstring>

namespace asyncore {
namespace detail {
namespace platform {

namespace {

using win32::from_socket;
using win32::to_socket;

int clamp_len(std::size_t n) noexcept {
  return n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
}

void disable_udp_resets(SOCKET s) noexcept {
  BOOL off = FALSE;
  DWORD bytes = 0;
  ::WSAIoctl(s, SIO_UDP_CONNRESET, &off, static_cast<DWORD>(sizeof off), nullptr, 0, &bytes, nullptr, nullptr);
  bytes = 0;
  ::WSAIoctl(s, SIO_UDP_NETRESET, &off, static_cast<DWORD>(sizeof off), nullptr, 0, &bytes, nullptr, nullptr);
}

bool set_not_inheritable(SOCKET s) noexcept {
  return ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0) != 0;
}

bool set_nonblocking_mode(SOCKET s, bool blocking, std::error_code& ec) noexcept {
  u_long mode = blocking ? 0 : 1;
  if (::ioctlsocket(s, FIONBIO, &mode) != 0) {
    ec = win32::last_error();
    return false;
  }
  return true;
}

// The new socket's common set-up (open and accept): non-inheritable (again,
// for accept), non-blocking, recorded. Closes it on failure.
SOCKET finish_new_socket(SOCKET s, bool clear_inherit, std::error_code& ec) noexcept {
  if (clear_inherit && !set_not_inheritable(s)) {
    ec = win32::translate(static_cast<int>(::GetLastError()));
    ::closesocket(s);
    return INVALID_SOCKET;
  }
  if (!set_nonblocking_mode(s, false, ec)) {
    ::closesocket(s);
    return INVALID_SOCKET;
  }
  win32::note_open(s, false);
  return s;
}

const common::option_table options = {
    common::option(SOL_SOCKET, SO_EXCLUSIVEADDRUSE),  // see the top of this file
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
  static bool get_int(handle h, const common::native_option& o, int& value, std::error_code& ec) noexcept {
    // Some options (TCP_NODELAY on older Windows) write a one-byte BOOLEAN:
    // start from zero so the rest of the int stays zero.
    value = 0;
    int len = static_cast<int>(sizeof value);
    if (::getsockopt(to_socket(h), o.level, o.name, reinterpret_cast<char*>(&value), &len) != 0) {
      ec = win32::last_error();
      return false;
    }
    if (len == 1) value = static_cast<unsigned char>(value & 0xff);
    return true;
  }
  static bool get_linger(handle h, const common::native_option& o, common::linger_setting& out,
                         std::error_code& ec) noexcept {
    ::linger l;
    std::memset(&l, 0, sizeof l);
    int len = static_cast<int>(sizeof l);
    if (::getsockopt(to_socket(h), o.level, o.name, reinterpret_cast<char*>(&l), &len) != 0) {
      ec = win32::last_error();
      return false;
    }
    out = {l.l_onoff != 0, static_cast<int>(l.l_linger)};
    return true;
  }
  static bool set_int(handle h, const common::native_option& o, int value, std::error_code& ec) noexcept {
    if (::setsockopt(to_socket(h), o.level, o.name, reinterpret_cast<const char*>(&value),
                     static_cast<int>(sizeof value)) != 0) {
      ec = win32::last_error();
      return false;
    }
    return true;
  }
  static bool set_linger(handle h, const common::native_option& o, common::linger_setting s,
                         std::error_code& ec) noexcept {
    ::linger l;
    std::memset(&l, 0, sizeof l);
    l.l_onoff = static_cast<u_short>(s.on ? 1 : 0);
    l.l_linger = static_cast<u_short>(s.seconds > 0xffff ? 0xffff : s.seconds);  // Winsock's u_short
    if (::setsockopt(to_socket(h), o.level, o.name, reinterpret_cast<const char*>(&l),
                     static_cast<int>(sizeof l)) != 0) {
      ec = win32::last_error();
      return false;
    }
    return true;
  }
};

bool is_loopback(const address& a) noexcept {
  const std::uint8_t* b = a.bytes();
  if (a.is_v4()) return b[0] == 127;
  if (!a.is_v6()) return false;
  static const std::uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const std::uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, v6_loopback, 16) == 0 || (std::memcmp(b, v4_mapped, 12) == 0 && b[12] == 127);
}

// See the top of this file. The layout is Microsoft's TCP_INITIAL_RTO_PARAMETERS
// (mstcpip.h) and the value its TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS,
// declared here because not every SDK has them; like libuv, the same value
// also goes in the RTT field. Failure (Windows before 1709, Wine, a UDP
// socket) is ignored: the connect then behaves as it always did.
void no_syn_retries(SOCKET s) noexcept {
  struct initial_rto_parameters {
    USHORT rtt;
    UCHAR max_syn_retransmissions;
  } p;
  const UCHAR no_syn_retransmissions = static_cast<UCHAR>(-2);  // TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS
  p.rtt = no_syn_retransmissions;
  p.max_syn_retransmissions = no_syn_retransmissions;
  DWORD bytes = 0;
  ::WSAIoctl(s, SIO_TCP_INITIAL_RTO, &p, static_cast<DWORD>(sizeof p), nullptr, 0, &bytes, nullptr, nullptr);
}

family family_of(int af) noexcept {
  switch (af) {
    case AF_INET: return family::inet;
    case AF_INET6: return family::inet6;
    case AF_UNIX: return family::local;
    default: return family::unspec;
  }
}

}  // namespace

void enable_datagrams() noexcept {}  // datagrams need nothing switched on here

handle open(family f, socket_type t, std::error_code& ec) noexcept {
  ec = win32::ensure_started();
  if (ec) return invalid_handle;
  if (f == family::local) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return invalid_handle;
  }
  const int af = win32::native_family(f);
  if (af == 0) {
    ec = make_error_code(errc::invalid_address);
    return invalid_handle;
  }
  const int type = t == socket_type::dgram ? SOCK_DGRAM : SOCK_STREAM;
  bool clear_inherit = false;
  SOCKET s = win32::sys().socket(af, type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET && ::WSAGetLastError() == WSAEINVAL) {
    // Before Windows 7 SP1 the flag is unknown.
    s = win32::sys().socket(af, type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED);
    clear_inherit = true;
  }
  if (s == INVALID_SOCKET) {
    ec = win32::last_error();
    return invalid_handle;
  }
  s = finish_new_socket(s, clear_inherit, ec);
  if (s == INVALID_SOCKET) return invalid_handle;
  if (type == SOCK_DGRAM) disable_udp_resets(s);
  return from_socket(s);
}

void close(handle h, std::error_code& ec) noexcept {
  ec.clear();
  SOCKET s = to_socket(h);
  win32::note_closed(s);
  if (win32::sys().closesocket(s) != 0) ec = win32::last_error();
}

void bind(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  int len = 0;
  if (!win32::to_native(a, ss, len, ec)) return;
  if (::bind(to_socket(h), reinterpret_cast<const sockaddr*>(&ss), len) != 0) ec = win32::last_error();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec.clear();
  if (backlog < 0) backlog = 0;
  if (::listen(to_socket(h), backlog) != 0) ec = win32::last_error();
}

void connect(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  int len = 0;
  if (!win32::to_native(a, ss, len, ec)) return;
  if (is_loopback(a)) no_syn_retries(to_socket(h));
  if (win32::sys().connect(to_socket(h), reinterpret_cast<const sockaddr*>(&ss), len) != 0)
    ec = win32::translate_connect(::WSAGetLastError());
}

handle accept(handle h, address* peer, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  int len = static_cast<int>(sizeof ss);
  SOCKET s = win32::sys().accept(to_socket(h), reinterpret_cast<sockaddr*>(&ss), &len);
  if (s == INVALID_SOCKET) {
    const int code = ::WSAGetLastError();
    // "An incoming connection was indicated, but was subsequently terminated
    // by the remote peer prior to accepting the call" (Microsoft's accept()
    // documentation): what POSIX accept() calls ECONNABORTED, and the
    // listener is fine. Reported the POSIX way so accept() returns "none".
    ec = code == WSAECONNRESET ? std::make_error_code(std::errc::connection_aborted) : win32::translate(code);
    return invalid_handle;
  }
  s = finish_new_socket(s, true, ec);
  if (s == INVALID_SOCKET) return invalid_handle;
  if (peer != nullptr) *peer = win32::from_native(reinterpret_cast<const sockaddr*>(&ss), len);
  return from_socket(s);
}

std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept {
  ec.clear();
  const SOCKET s = to_socket(h);
  const int flags = oob ? MSG_OOB : 0;
  int len = clamp_len(n);
  int r = win32::sys().send(s, static_cast<const char*>(p), len, flags);
  if (r == SOCKET_ERROR && ::WSAGetLastError() == WSAENOBUFS && len > 65536) {
    // Windows may refuse a large non-blocking send as a whole with
    // WSAENOBUFS instead of accepting part of it; a stream accepts a
    // smaller piece (a datagram this large could not be sent anyway).
    len = 65536;
    r = win32::sys().send(s, static_cast<const char*>(p), len, flags);
  }
  if (r == SOCKET_ERROR) {
    ec = win32::last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  const int len = clamp_len(n);
  int r = win32::sys().recv(to_socket(h), static_cast<char*>(p), len, 0);
  if (r == SOCKET_ERROR) {
    const int code = ::WSAGetLastError();
    // A datagram larger than the buffer: Windows fills the buffer and fails
    // with WSAEMSGSIZE; POSIX returns the truncated datagram. Do as POSIX.
    if (code == WSAEMSGSIZE) return static_cast<std::size_t>(len);
    ec = win32::translate(code);
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  int alen = 0;
  if (!win32::to_native(to, ss, alen, ec)) return 0;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    ec = std::make_error_code(std::errc::message_size);
    return 0;
  }
  int r = ::sendto(to_socket(h), static_cast<const char*>(p), static_cast<int>(n), 0,
                   reinterpret_cast<const sockaddr*>(&ss), alen);
  if (r == SOCKET_ERROR) {
    ec = win32::last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  int alen = static_cast<int>(sizeof ss);
  const int len = clamp_len(n);
  int r = ::recvfrom(to_socket(h), static_cast<char*>(p), len, 0, reinterpret_cast<sockaddr*>(&ss), &alen);
  if (r == SOCKET_ERROR) {
    const int code = ::WSAGetLastError();
    if (code == WSAEMSGSIZE) {
      r = len;  // truncated datagram, as on POSIX (see recv)
    } else if (code == WSAECONNRESET || code == WSAENETRESET) {
      // An ICMP error for an earlier sendto (only if the provider ignored
      // SIO_UDP_CONNRESET): no datagram was consumed, so report "nothing to
      // read", as POSIX does for an unconnected socket.
      ec = std::make_error_code(std::errc::operation_would_block);
      return 0;
    } else {
      ec = win32::translate(code);
      return 0;
    }
  }
  from = win32::from_native(reinterpret_cast<const sockaddr*>(&ss), alen);
  return static_cast<std::size_t>(r);
}

void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept {
  ec.clear();
  int native = SD_BOTH;
  if (how == shutdown_type::receive) native = SD_RECEIVE;
  if (how == shutdown_type::send) native = SD_SEND;
  if (::shutdown(to_socket(h), native) != 0) ec = win32::last_error();
}

address local_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  int len = static_cast<int>(sizeof ss);
  if (::getsockname(to_socket(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    const int code = ::WSAGetLastError();
    if (code == WSAEINVAL) {
      // Not bound yet. POSIX reports the family's "any" address with port 0;
      // so do we.
      std::error_code fec;
      family f = get_family(h, fec);
      if (!fec && (f == family::inet || f == family::inet6)) return address::any(f, 0);
    }
    ec = win32::translate(code);
    return address();
  }
  return win32::from_native(reinterpret_cast<const sockaddr*>(&ss), len);
}

address peer_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  int len = static_cast<int>(sizeof ss);
  if (::getpeername(to_socket(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = win32::last_error();
    return address();
  }
  return win32::from_native(reinterpret_cast<const sockaddr*>(&ss), len);
}

int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept {
  if (opt == sockopt::error) {
    ec.clear();
    const SOCKET s = to_socket(h);
    int stashed = win32::take_stashed_error(s);
    if (stashed != 0) {
      win32::read_so_error(s);  // SO_ERROR reads and clears: keep that meaning
      return win32::translate(stashed).value();
    }
  }
  int value = common::get_option<raw_options>(options, h, opt, ec);
  // SO_ERROR: the portable value, as the POSIX layer returns it.
  if (!ec && opt == sockopt::error) return win32::translate(value).value();
  return value;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  common::set_option<raw_options>(options, h, opt, value, ec);
}

std::error_code pending_error(handle h) noexcept {
  const SOCKET s = to_socket(h);
  int stashed = win32::take_stashed_error(s);
  if (stashed != 0) {
    win32::read_so_error(s);  // whatever is left is the same failure
    return win32::translate(stashed);
  }
  return win32::translate(win32::read_so_error(s));
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept { setsockopt(h, sockopt::reuse_addr, 1, ec); }

void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept {
  ec.clear();
  const SOCKET s = to_socket(h);
  if (set_nonblocking_mode(s, blocking, ec)) win32::note_blocking(s, blocking);
}

bool blocking(handle h, std::error_code& ec) noexcept {
  ec.clear();
  const SOCKET s = to_socket(h);
  // Check that it is a socket at all, as fcntl(F_GETFL) would on POSIX.
  int type = 0;
  int len = static_cast<int>(sizeof type);
  if (::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) != 0) {
    ec = win32::last_error();
    return false;
  }
  return win32::recorded_blocking(s);
}

bool inheritable(handle h, std::error_code& ec) noexcept {
  ec.clear();
  DWORD flags = 0;
  if (!::GetHandleInformation(reinterpret_cast<HANDLE>(to_socket(h)), &flags)) {
    ec = win32::translate(static_cast<int>(::GetLastError()));
    return false;
  }
  return (flags & HANDLE_FLAG_INHERIT) != 0;
}

family get_family(handle h, std::error_code& ec) noexcept {
  ec.clear();
  const SOCKET s = to_socket(h);
  WSAPROTOCOL_INFOW info;
  std::memset(&info, 0, sizeof info);
  int len = static_cast<int>(sizeof info);
  if (::getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &len) == 0)
    return family_of(info.iAddressFamily);
  // Providers without SO_PROTOCOL_INFOW: ask the bound address.
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  len = static_cast<int>(sizeof ss);
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = win32::last_error();
    return family::unspec;
  }
  return family_of(ss.ss_family);
}

socket_type get_type(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int type = 0;
  int len = static_cast<int>(sizeof type);
  if (::getsockopt(to_socket(h), SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) != 0) {
    ec = win32::last_error();
    return socket_type::stream;
  }
  return type == SOCK_DGRAM ? socket_type::dgram : socket_type::stream;
}

// A connected TCP pair over loopback (Windows has no socketpair()). The
// listener is exclusive (SO_EXCLUSIVEADDRUSE), accepts one connection, and
// the accepted peer must be our own client (its address equals the client's
// local address), so another local process cannot slip in between. The
// client connects in blocking mode: the connection completes in the
// listener's backlog, so accept() then finds it at once (a non-blocking
// connect followed straight away by accept() can fail on Windows 10). Both
// ends are non-blocking and not inheritable when returned. IPv4 loopback
// first, then IPv6 loopback.
void socket_pair(handle out[2], std::error_code& ec) noexcept {
  out[0] = out[1] = invalid_handle;
  const common::loopback_pair_options how{/*exclusive_listener=*/true, /*check_peer=*/true, /*no_delay=*/false};
  if (common::loopback_socket_pair(family::inet, how, out, ec)) return;
  std::error_code first = ec;
  if (common::loopback_socket_pair(family::inet6, how, out, ec)) return;
  ec = first;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
