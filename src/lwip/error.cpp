// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): the one place where lwIP's errno values
// become portable error codes.
//
// lwIP sets the C library's errno (LWIP_ERRNO_STDINCLUDE or
// LWIP_ERRNO_INCLUDE; lwip.hpp refuses LWIP_PROVIDE_ERRNO), so the E* macros
// visible here are the numbers lwIP used, whatever the C library (glibc and
// newlib number them differently). Nothing here hard-codes a number: each
// value lwIP can produce (err.c's err_to_errno table and the set_errno calls
// of sockets.c) is mapped by its macro to a std::errc enumerator.
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

#include <initializer_list>

namespace asyncore {
namespace detail {
namespace lwip {

int last_errno() noexcept { return errno; }

namespace {

bool one_of(int e, std::initializer_list<int> values) noexcept {
  for (int v : values)
    if (e == v) return true;
  return false;
}

std::error_code generic(std::errc e) noexcept { return std::make_error_code(e); }

}  // namespace

std::error_code translate(int e, op context) noexcept {
  if (e == 0) return {};
  // Several of these may share a number (EAGAIN == EWOULDBLOCK, ENOTSUP ==
  // EOPNOTSUPP on some C libraries), so this is a chain of tests, not a switch.
  if (one_of(e, {EAGAIN, EWOULDBLOCK})) return generic(std::errc::operation_would_block);
  if (e == EINPROGRESS) return generic(std::errc::operation_in_progress);
  if (e == EALREADY) return generic(std::errc::connection_already_in_progress);
  if (e == ECONNRESET)
    return generic(context == op::connect_result ? std::errc::connection_refused : std::errc::connection_reset);
  if (e == ECONNREFUSED) return generic(std::errc::connection_refused);
  if (e == ECONNABORTED) return generic(std::errc::connection_aborted);
  if (e == ENOTCONN) return generic(std::errc::not_connected);
  if (e == EISCONN) return generic(std::errc::already_connected);
  if (e == EPIPE) return generic(std::errc::broken_pipe);
  if (e == EBADF) return generic(std::errc::bad_file_descriptor);
  if (e == ENFILE || e == EMFILE) return make_error_code(errc::descriptors_exhausted);
  if (e == ENOBUFS)
    return context == op::open ? make_error_code(errc::descriptors_exhausted)
                               : generic(std::errc::no_buffer_space);
  if (e == ENOMEM) return generic(std::errc::not_enough_memory);
  if (e == EINVAL) return generic(std::errc::invalid_argument);
  if (e == EADDRINUSE) return generic(std::errc::address_in_use);
  if (e == EADDRNOTAVAIL) return generic(std::errc::address_not_available);
  if (e == EAFNOSUPPORT) return generic(std::errc::address_family_not_supported);
  if (e == EHOSTUNREACH) return generic(std::errc::host_unreachable);
  if (e == ENETUNREACH) return generic(std::errc::network_unreachable);
  if (e == ETIMEDOUT) return generic(std::errc::timed_out);
  if (e == EMSGSIZE) return generic(std::errc::message_size);
  if (e == EOPNOTSUPP) return generic(std::errc::operation_not_supported);
  if (e == ENOPROTOOPT) return generic(std::errc::no_protocol_option);
  if (e == EPROTONOSUPPORT) return generic(std::errc::protocol_not_supported);
  if (e == EFAULT) return generic(std::errc::bad_address);
  if (e == ENOSYS) return generic(std::errc::function_not_supported);
  if (e == ENOSPC) return generic(std::errc::no_space_on_device);
  if (e == EBUSY) return generic(std::errc::device_or_resource_busy);
  if (e == EINTR) return generic(std::errc::interrupted);
  if (e == EIO) return generic(std::errc::io_error);
  if (e == EDESTADDRREQ) return generic(std::errc::destination_address_required);
  // err_to_errno maps ERR_IF (a netif error) to -1; anything else unknown is
  // passed through: it is the C library's number, as <cerrno> means it.
  if (e < 0) return generic(std::errc::io_error);
  return {e, std::generic_category()};
}

}  // namespace lwip
}  // namespace detail
}  // namespace asyncore
