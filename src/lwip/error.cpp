// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): the one place where lwIP's errno values
// become portable error codes.
//
// lwIP sets the C library's errno (LWIP_ERRNO_STDINCLUDE or
// LWIP_ERRNO_INCLUDE; lwip.hpp refuses LWIP_PROVIDE_ERRNO), so the E* macros
// visible here are the numbers lwIP used, whatever the C library (glibc and
// newlib number them differently). Nothing here hard-codes a number: each
// value lwIP can produce (err.c's err_to_errno table and the set_errno calls
// of sockets.c) is checked, by its macro, to be the std::errc enumerator of
// its name (static_assert), so it passes through as it is; only the numbers
// below with another meaning are mapped.
//
// Context-dependent meanings:
//  - lwip_socket fails with ENOBUFS when MEMP_NUM_NETCONN netconns are in use
//    and with ENFILE when its socket table is full; lwip_accept with ENFILE.
//    Both mean "no socket descriptor left" and are reported as
//    asyncore::errc::descriptors_exhausted. Elsewhere ENOBUFS is
//    std::errc::no_buffer_space (lwIP's ERR_BUF).
//  - lwIP reports a refused connect (RST in SYN_SENT) as ECONNRESET through
//    SO_ERROR and a blocking lwip_connect; for a connect's result it is
//    reported as std::errc::connection_refused, like every other platform.
#include "lwip.hpp"

#include "../platform.hpp"

#include <cerrno>

namespace asyncore {
namespace detail {
namespace lwip {

int last_errno() noexcept { return errno; }

namespace {

std::error_code generic(std::errc e) noexcept { return std::make_error_code(e); }

// std::errc's enumerators are the C library's errno values (libstdc++ and
// libc++ define them from <cerrno>), and lwIP sets errno from the same
// header (arch/cc.h: no LWIP_PROVIDE_ERRNO). So a number that needs no
// special case is passed on as it is, and means the condition of its name;
// these assertions check that for every number the platform reports.
#define ASYNCORE_LWIP_SAME_ERRNO(E, C) static_assert(E == static_cast<int>(std::errc::C), #E " is std::errc::" #C)
ASYNCORE_LWIP_SAME_ERRNO(EINPROGRESS, operation_in_progress);
ASYNCORE_LWIP_SAME_ERRNO(EALREADY, connection_already_in_progress);
ASYNCORE_LWIP_SAME_ERRNO(ECONNRESET, connection_reset);
ASYNCORE_LWIP_SAME_ERRNO(ECONNREFUSED, connection_refused);
ASYNCORE_LWIP_SAME_ERRNO(ECONNABORTED, connection_aborted);
ASYNCORE_LWIP_SAME_ERRNO(ENOTCONN, not_connected);
ASYNCORE_LWIP_SAME_ERRNO(EISCONN, already_connected);
ASYNCORE_LWIP_SAME_ERRNO(EPIPE, broken_pipe);
ASYNCORE_LWIP_SAME_ERRNO(EBADF, bad_file_descriptor);
ASYNCORE_LWIP_SAME_ERRNO(ENOBUFS, no_buffer_space);
ASYNCORE_LWIP_SAME_ERRNO(ENOMEM, not_enough_memory);
ASYNCORE_LWIP_SAME_ERRNO(EINVAL, invalid_argument);
ASYNCORE_LWIP_SAME_ERRNO(EADDRINUSE, address_in_use);
ASYNCORE_LWIP_SAME_ERRNO(EADDRNOTAVAIL, address_not_available);
ASYNCORE_LWIP_SAME_ERRNO(EAFNOSUPPORT, address_family_not_supported);
ASYNCORE_LWIP_SAME_ERRNO(EHOSTUNREACH, host_unreachable);
ASYNCORE_LWIP_SAME_ERRNO(ENETUNREACH, network_unreachable);
ASYNCORE_LWIP_SAME_ERRNO(ETIMEDOUT, timed_out);
ASYNCORE_LWIP_SAME_ERRNO(EMSGSIZE, message_size);
ASYNCORE_LWIP_SAME_ERRNO(EOPNOTSUPP, operation_not_supported);
ASYNCORE_LWIP_SAME_ERRNO(ENOPROTOOPT, no_protocol_option);
ASYNCORE_LWIP_SAME_ERRNO(EPROTONOSUPPORT, protocol_not_supported);
ASYNCORE_LWIP_SAME_ERRNO(EFAULT, bad_address);
ASYNCORE_LWIP_SAME_ERRNO(ENOSYS, function_not_supported);
ASYNCORE_LWIP_SAME_ERRNO(ENOSPC, no_space_on_device);
ASYNCORE_LWIP_SAME_ERRNO(EBUSY, device_or_resource_busy);
ASYNCORE_LWIP_SAME_ERRNO(EINTR, interrupted);
ASYNCORE_LWIP_SAME_ERRNO(EIO, io_error);
ASYNCORE_LWIP_SAME_ERRNO(EDESTADDRREQ, destination_address_required);
#undef ASYNCORE_LWIP_SAME_ERRNO

}  // namespace

std::error_code translate(int e, op context) noexcept {
  if (e == 0) return {};
  // EAGAIN and EWOULDBLOCK may be two numbers: both are would-block.
  if (e == EAGAIN || e == EWOULDBLOCK) return generic(std::errc::operation_would_block);
  // A reset while connecting is a refused connect, as on every platform.
  if (e == ECONNRESET && context == op::connect_result) return generic(std::errc::connection_refused);
  // Out of netconns or sockets (ENOBUFS from socket()): descriptors_exhausted.
  if (e == ENFILE || e == EMFILE || (e == ENOBUFS && context == op::open))
    return make_error_code(errc::descriptors_exhausted);
  // err_to_errno maps ERR_IF (a netif error) to -1.
  if (e < 0) return generic(std::errc::io_error);
  // Anything else is its own condition (see above), or, unknown, the C
  // library's number as <cerrno> means it.
  return {e, std::generic_category()};
}

}  // namespace lwip

namespace platform {
// The C library describes every errno value it reports.
std::string describe(const std::error_code& ec) { return ec.message(); }
}  // namespace platform
}  // namespace detail
}  // namespace asyncore
