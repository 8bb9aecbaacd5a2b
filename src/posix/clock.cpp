// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): the monotonic clock and sleeping.
#include "../platform.hpp"

#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace asyncore {
namespace detail {
namespace platform {

std::int64_t monotonic_us() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void sleep_us(std::int64_t us) noexcept {
  if (us < 0) {
    for (;;) ::pause();
  }
  timespec req;
  std::int64_t sec = us / 1000000;
  if (sec > 0x7fffffff) sec = 0x7fffffff;  // 32-bit time_t (armhf)
  req.tv_sec = static_cast<time_t>(sec);
  req.tv_nsec = static_cast<long>(us % 1000000) * 1000;
  timespec rem;
  while (::nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
