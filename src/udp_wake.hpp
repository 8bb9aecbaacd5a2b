// asyncore for C++ (internal): the UDP wake-up of src/udp_wake.cpp.
#ifndef ASYNCORE_SRC_UDP_WAKE_HPP
#define ASYNCORE_SRC_UDP_WAKE_HPP

#include "platform.hpp"

namespace asyncore {
namespace detail {
namespace udp_wake {
void make(platform::handle& watch, platform::handle& signal_end, std::error_code& ec) noexcept;
void signal(platform::handle h) noexcept;
void drain(platform::handle h) noexcept;
}  // namespace udp_wake
}  // namespace detail
}  // namespace asyncore

#endif
