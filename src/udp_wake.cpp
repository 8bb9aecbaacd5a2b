// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): platform::make_wake and friends for the
// platforms without eventfd or pipes (Windows, lwIP; their platform.cmake
// compiles this file, POSIX has src/posix/wake.cpp): a UDP socket on
// 127.0.0.1, bound and connected to itself, written once on the platform
// interface. A datagram socket has no accept step and no end of stream (a
// TCP pair's EOF after sleep/RDP makes asyncio spin on Windows,
// cpython#156344). On lwIP it costs one socket per map that runs a loop
// (count it in MEMP_NUM_NETCONN and MEMP_NUM_UDP_PCB).
#include "platform.hpp"

namespace asyncore {
namespace detail {
namespace platform {

namespace pf = platform;

void make_wake(pf::handle& watch, pf::handle& signal_end, std::error_code& ec) noexcept {
  pf::enable_datagrams();  // the seam's rule before a datagram open (a no-op where this file is used)
  pf::handle h = pf::open(family::inet, socket_type::dgram, ec);
  if (ec) return;
  std::error_code ignored;
  // address::loopback, not the text "127.0.0.1": the parser stays out of
  // images that never parse an address.
  pf::bind(h, address::loopback(family::inet, 0), ec);
  address self;
  if (!ec) self = pf::local_address(h, ec);
  if (!ec) pf::connect(h, self, ec);
  if (ec) {
    pf::close(h, ignored);
    return;
  }
  watch = signal_end = h;
}

void wake_signal(pf::handle h) noexcept {
  const char one = 1;
  std::error_code ignored;  // a full buffer: the socket is readable anyway
  (void)pf::send(h, &one, 1, false, ignored);
}

void wake_drain(pf::handle h) noexcept {
  char buf[64];
  for (int i = 0; i < 1024; ++i) {  // bounded: each datagram is one signal
    std::error_code ec;
    (void)pf::recv(h, buf, sizeof buf, ec);
    if (ec) break;
  }
}

void wake_close(pf::handle, pf::handle) noexcept {}  // one handle: the channel closes it

// Only threads post here (they preempt each other): no interrupt to mask.
std::uint32_t mask_interrupts() noexcept { return 0; }
void restore_interrupts(std::uint32_t) noexcept {}
bool posts_from_interrupts() noexcept { return false; }

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
