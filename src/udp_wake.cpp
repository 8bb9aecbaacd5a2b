// asyncore for C++ (internal): the wake-up handle of the platforms without
// eventfd or pipes (Windows, lwIP): a UDP socket on 127.0.0.1, bound and
// connected to itself. Written once on the platform interface; each of those
// platforms' make_wake/wake_signal/wake_drain forwards here. A datagram
// socket has no accept step and no end of stream (a TCP pair's EOF after
// sleep/RDP makes asyncio spin on Windows, cpython#156344).
#include "platform.hpp"
#include "udp_wake.hpp"

namespace asyncore {
namespace detail {
namespace udp_wake {

namespace pf = platform;

void make(pf::handle& watch, pf::handle& signal_end, std::error_code& ec) noexcept {
  pf::handle h = pf::open(family::inet, socket_type::dgram, ec);
  if (ec) return;
  std::error_code ignored;
  const address any("127.0.0.1", 0);
  pf::bind(h, any, ec);
  address self;
  if (!ec) self = pf::local_address(h, ec);
  if (!ec) pf::connect(h, self, ec);
  if (ec) {
    pf::close(h, ignored);
    return;
  }
  watch = signal_end = h;
}

void signal(pf::handle h) noexcept {
  const char one = 1;
  std::error_code ignored;  // a full buffer: the socket is readable anyway
  (void)pf::send(h, &one, 1, false, ignored);
}

void drain(pf::handle h) noexcept {
  char buf[64];
  for (int i = 0; i < 1024; ++i) {  // bounded: each datagram is one signal
    std::error_code ec;
    (void)pf::recv(h, buf, sizeof buf, ec);
    if (ec) break;
  }
}

}  // namespace udp_wake
}  // namespace detail
}  // namespace asyncore
