// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, lwIP platform): the one header of src/lwip
// that includes lwIP.
//
// Every translation unit of src/lwip includes this header FIRST, before any
// C or C++ library header: lwIP defines its own socket constants (O_NONBLOCK,
// F_GETFL, POLLIN, FD_SET ...) only where the C library has not defined them,
// and they must be the values lwIP was compiled with. The C library's socket
// headers (<sys/socket.h>, <fcntl.h>, <poll.h>, <sys/ioctl.h>) are never
// included in src/lwip. Every call below is an lwip_* function by its full
// name; the configuration checks make sure no POSIX-named macro exists.
//
// What the application must provide: an lwipopts.h and arch/ headers on the
// include path (ports/lwip-host and ports/cortex-m4 are two examples), and a
// running stack (tcpip_init's callback has run) before the first socket is
// opened. A port may define ASYNCORE_LWIP_ENSURE_STARTED() in its lwipopts.h
// to start the stack on first use (the host port does; firmware starts lwIP
// itself, in its own order).
//
// Recommended: LWIP_NETCONN_SEM_PER_THREAD 1, with the RTOS glue's
// LWIP_NETCONN_THREAD_SEM_GET/ALLOC/FREE (both shipped ports have it).
// Without it every lwip_select and lwip_poll that waits creates and deletes
// a semaphore, so each loop iteration allocates.
#ifndef ASYNCORE_SRC_LWIP_LWIP_HPP
#define ASYNCORE_SRC_LWIP_LWIP_HPP

#include "lwip/opt.h"
#include "lwip/init.h"

#if LWIP_VERSION < 0x02010000
#error "asyncore needs lwIP 2.1 or later (lwip_poll, non-blocking connect fixes)."
#endif

#if !LWIP_SOCKET
#error "asyncore's lwIP platform needs lwIP's sockets API: set LWIP_SOCKET to 1 in lwipopts.h (this also needs NO_SYS 0 and LWIP_NETCONN 1)."
#endif
#if LWIP_COMPAT_SOCKETS != 0
#error "asyncore's lwIP platform needs LWIP_COMPAT_SOCKETS 0 in lwipopts.h: with 1 or 2 lwIP #defines (or renames) socket(), connect(), close(), send() ..., which clash with C++ member functions and with the C library. asyncore calls the lwip_* functions by their full names."
#endif
#if !LWIP_SOCKET_SELECT && !LWIP_SOCKET_POLL
#error "asyncore's lwIP platform needs lwip_select or lwip_poll: set LWIP_SOCKET_SELECT 1 and/or LWIP_SOCKET_POLL 1 in lwipopts.h (both are recommended: loop(use_poll=false) uses lwip_select, use_poll=true lwip_poll)."
#endif
#if defined(LWIP_PROVIDE_ERRNO) && LWIP_PROVIDE_ERRNO
#error "asyncore's lwIP platform needs lwIP to use the C library's errno: define LWIP_ERRNO_STDINCLUDE 1 (or LWIP_ERRNO_INCLUDE <errno.h>) in arch/cc.h instead of LWIP_PROVIDE_ERRNO. With LWIP_PROVIDE_ERRNO lwIP's E* values and its global errno clash with <cerrno>, which every C++ program includes."
#endif

#include "lwip/errno.h"
#include "lwip/inet.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "lwip/netif.h"
#include "lwip/priv/tcpip_priv.h"
#if LWIP_DNS
#include "lwip/netdb.h"
#include "lwip/dns.h"
#endif

#include <asyncore/address.hpp>
#include <asyncore/error.hpp>
#include <asyncore/socket.hpp>

#include <cstdint>
#include <system_error>

namespace asyncore {
namespace detail {
namespace lwip {

/// What a failed lwIP call was doing, for the few errno values whose meaning
/// depends on it (see error.cpp).
enum class op : std::uint8_t {
  generic,
  open,           ///< lwip_socket: ENOBUFS/ENFILE mean "no netconn left"
  accept,         ///< lwip_accept: ENFILE means "no socket slot left"
  connect_result  ///< a connect's result: ECONNRESET means "refused"
};

/// The errno of the last lwip_* call on this thread (the one accessor).
int last_errno() noexcept;

/// Translates an lwIP errno value to a portable error code (std::errc in
/// std::generic_category, or asyncore::errc). 0 gives no error.
std::error_code translate(int lwip_errno, op context = op::generic) noexcept;

/// translate(last_errno(), context).
inline std::error_code last_error(op context = op::generic) noexcept {
  return translate(last_errno(), context);
}

/// Per-descriptor bookkeeping lwIP does not keep: the address family the
/// socket was opened with, and whether a connect is under way (so that its
/// ECONNRESET can be reported as connection_refused). Indexed by descriptor;
/// each entry is only touched by the thread that owns the socket.
struct fd_info {
  std::uint8_t fam;         ///< asyncore::family
  std::uint8_t connecting;  ///< a non-blocking connect started and not yet checked
  std::uint8_t eof;         ///< recv() returned the end of stream once
};
fd_info* info(native_handle_type h) noexcept;

/// Delivers, now, the packets lwIP has queued on its loopback interfaces
/// (see socket_ops.cpp). No-op without LWIP_NETIF_LOOPBACK.
void flush_loopback() noexcept;

/// Fills a lwIP sockaddr from an address; returns its length, 0 (with ec set)
/// when the address cannot be used on this lwIP build.
socklen_t to_sockaddr(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept;
/// Converts a lwIP sockaddr. `map_v4` gives an IPv4 address as an
/// IPv4-mapped IPv6 address (a dual-stack IPv6 socket's view).
address from_sockaddr(const sockaddr* sa, socklen_t len, bool map_v4 = false) noexcept;

}  // namespace lwip
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_LWIP_LWIP_HPP
