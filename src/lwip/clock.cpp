// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): time, from lwIP's sys_now / sys_msleep.
#include "lwip.hpp"

#include "../platform.hpp"

namespace asyncore {
namespace detail {
namespace platform {

std::int64_t monotonic_us() noexcept {
  // sys_now() is a 32-bit millisecond counter that wraps after ~49.7 days;
  // it is extended to 64 bits here (under lwIP's light-weight protection, so
  // that loops on several threads agree).
  static std::uint32_t last = 0;
  static std::uint64_t high = 0;
  SYS_ARCH_DECL_PROTECT(lev);
  SYS_ARCH_PROTECT(lev);
  std::uint32_t now = sys_now();
  if (now < last && last - now > 0x80000000u) high += std::uint64_t(1) << 32;
  if (now >= last || last - now > 0x80000000u) last = now;
  std::uint64_t ms = high + last;
  SYS_ARCH_UNPROTECT(lev);
  return static_cast<std::int64_t>(ms) * 1000;
}

void sleep_us(std::int64_t us) noexcept {
  if (us == 0) return;
  if (us < 0) {
    for (;;) sys_msleep(60000);  // without limit, as asked
  }
  std::int64_t ms = (us + 999) / 1000;
  while (ms > 0) {
    std::uint32_t chunk = ms > 0x7fffffff ? 0x7fffffffu : static_cast<std::uint32_t>(ms);
    sys_msleep(chunk);
    ms -= chunk;
  }
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
