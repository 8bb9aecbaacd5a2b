// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): the monotonic clock and sleeping.
//
// monotonic_us reads QueryPerformanceCounter, which Microsoft documents as
// monotonic, never failing on Windows XP and later, and with a fixed
// frequency read once at boot ("Acquiring high-resolution time stamps").
// sleep_us uses Sleep(), whose unit is the millisecond: the wait is rounded
// up so a sub-millisecond timeout never turns into a busy loop. Windows has
// no signals to interrupt it.
#include "platform.hpp"
#include "winsock.hpp"

namespace asyncore {
namespace detail {
namespace win32 {

void sleep_rounded_up(std::int64_t us) noexcept {
  if (us < 0) {
    ::Sleep(INFINITE);
    return;
  }
  std::int64_t ms = (us + 999) / 1000;
  // INFINITE is 0xFFFFFFFF: stay below it, looping for absurd durations.
  const std::int64_t max_chunk = 0x7fffffff;
  while (ms > max_chunk) {
    ::Sleep(static_cast<DWORD>(max_chunk));
    ms -= max_chunk;
  }
  ::Sleep(static_cast<DWORD>(ms));
}

}  // namespace win32

namespace platform {

std::int64_t monotonic_us() noexcept {
  static const std::int64_t frequency = [] {
    LARGE_INTEGER f;
    ::QueryPerformanceFrequency(&f);
    return static_cast<std::int64_t>(f.QuadPart > 0 ? f.QuadPart : 1);
  }();
  LARGE_INTEGER now;
  ::QueryPerformanceCounter(&now);
  const std::int64_t ticks = static_cast<std::int64_t>(now.QuadPart);
  // Split to avoid overflowing ticks * 1e6.
  return (ticks / frequency) * 1000000 + ((ticks % frequency) * 1000000) / frequency;
}

void sleep_us(std::int64_t us) noexcept { win32::sleep_rounded_up(us); }

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
