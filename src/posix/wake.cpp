// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): the map's wake-up handle (src/platform.hpp):
// an eventfd on Linux, a pipe elsewhere.
#include "../platform.hpp"
#include "syscalls.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

namespace asyncore {
namespace detail {
namespace platform {

using posix::sys;

namespace {
std::error_code errno_code() noexcept { return std::error_code(errno, std::generic_category()); }
}  // namespace

#if defined(__linux__)

void make_wake(handle& watch, handle& signal_end, std::error_code& ec) noexcept {
  ec.clear();
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    ec = errno_code();
    return;
  }
  watch = signal_end = fd;
}

void wake_signal(handle signal_end) noexcept {
  // Async-signal-safe (socket_map::request_exit from a signal handler): one
  // write(2), and errno as the interrupted code left it.
  const int saved = errno;
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: the handle is readable anyway.
  while (sys().wake_write(signal_end, &one, sizeof one) < 0 && errno == EINTR) {
  }
  errno = saved;
}

void wake_drain(handle watch) noexcept {
  std::uint64_t count;
  while (sys().wake_read(watch, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

#else

void make_wake(handle& watch, handle& signal_end, std::error_code& ec) noexcept {
  ec.clear();
  int fds[2];
  if (::pipe(fds) < 0) {
    ec = errno_code();
    return;
  }
  for (int fd : fds) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  watch = fds[0];
  signal_end = fds[1];
}

void wake_signal(handle signal_end) noexcept {
  const int saved = errno;  // async-signal-safe, as above
  const char one = 1;
  // EAGAIN means the pipe is full: the read end is readable anyway.
  while (sys().wake_write(signal_end, &one, 1) < 0 && errno == EINTR) {
  }
  errno = saved;
}

void wake_drain(handle watch) noexcept {
  char buf[256];
  for (;;) {
    const ssize_t n = sys().wake_read(watch, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
}

#endif

void wake_close(handle watch, handle signal_end) noexcept {
  if (signal_end != watch && signal_end >= 0) ::close(signal_end);
}

// Only threads post here (they preempt each other): no interrupt to mask.
std::uint32_t mask_interrupts() noexcept { return 0; }
void restore_interrupts(std::uint32_t) noexcept {}
bool posts_from_interrupts() noexcept { return false; }

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
