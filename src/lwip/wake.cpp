// asyncore for C++ (lwip): the map's wake-up handle is a UDP socket on
// 127.0.0.1 connected to itself (src/udp_wake.cpp); it costs one lwIP socket
// per map that runs a loop (count it in MEMP_NUM_NETCONN / MEMP_NUM_UDP_PCB).
#include "../platform.hpp"
#include "../udp_wake.hpp"

namespace asyncore {
namespace detail {
namespace platform {

void make_wake(handle& watch, handle& signal_end, std::error_code& ec) noexcept {
  udp_wake::make(watch, signal_end, ec);
}
void wake_signal(handle signal_end) noexcept { udp_wake::signal(signal_end); }
void wake_drain(handle watch) noexcept { udp_wake::drain(watch); }
void wake_close(handle, handle) noexcept {}  // one handle: the channel closes it

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
