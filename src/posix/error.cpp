// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): errno translation, in one place.
#include "../platform.hpp"
#include "posix.hpp"

#include <cerrno>

namespace asyncore {
namespace detail {
namespace posix {

std::error_code translate(int err) noexcept {
  switch (err) {
    case 0:
      return {};
#if EAGAIN != EWOULDBLOCK
    case EAGAIN:
#endif
    case EWOULDBLOCK:
      return std::make_error_code(std::errc::operation_would_block);
    case ESHUTDOWN:  // not in std::errc; what Python's _DISCONNECTED means by it
      return std::make_error_code(std::errc::broken_pipe);
#ifdef EHOSTDOWN
    case EHOSTDOWN:
      return std::make_error_code(std::errc::host_unreachable);
#endif
#ifdef ENONET
    case ENONET:
      return std::make_error_code(std::errc::network_down);
#endif
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
      return std::make_error_code(std::errc::operation_not_supported);
#endif
    default:
      return {err, std::generic_category()};
  }
}

std::error_code last_error() noexcept { return translate(errno); }

}  // namespace posix

namespace platform {
// The C library describes every errno value it reports.
std::string describe(const std::error_code& ec) { return ec.message(); }
}  // namespace platform
}  // namespace detail
}  // namespace asyncore
