// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX, internal): helpers shared by the POSIX sources.
#ifndef ASYNCORE_SRC_POSIX_POSIX_HPP
#define ASYNCORE_SRC_POSIX_POSIX_HPP

#include <asyncore/address.hpp>

#include <sys/socket.h>

#include <system_error>

namespace asyncore {
namespace detail {
namespace posix {

/// errno value -> portable error_code (the only place errno is interpreted).
std::error_code translate(int err) noexcept;
/// translate(errno).
std::error_code last_error() noexcept;

/// address <-> sockaddr. to_native returns 0 length for an address it
/// cannot express (and sets ec).
socklen_t to_native(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept;
address from_native(const sockaddr* sa, socklen_t len);

}  // namespace posix
}  // namespace detail
}  // namespace asyncore

#endif
