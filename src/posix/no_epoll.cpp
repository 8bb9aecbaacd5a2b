// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX without epoll): backend::epoll is unavailable.
#include "../poller.hpp"

#include <memory>

namespace asyncore {
namespace detail {
namespace posix {
std::unique_ptr<poller> make_epoll_poller(std::error_code&) { return nullptr; }
bool have_epoll() noexcept { return false; }
}  // namespace posix
}  // namespace detail
}  // namespace asyncore
