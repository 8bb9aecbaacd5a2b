// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, Windows): an fd_set of any size.
//
// Winsock's fd_set is not a bitmap but a counted array,
//     struct fd_set { u_int fd_count; SOCKET fd_array[FD_SETSIZE]; };
// and select() reads fd_count entries, however many that is ("the set is
// implemented as an array of sockets": Microsoft, "select and FD_*";
// FD_SETSIZE only sizes the declared array, 64 by default). So a set sized
// to the number of channels is a buffer with the same layout: one SOCKET-
// sized header holding fd_count (offsetof(fd_set, fd_array) ==
// sizeof(SOCKET) on 32- and 64-bit Windows), then the sockets. libevent's
// win32select.c grows its sets the same way. On return select() rewrites
// fd_count and moves the ready sockets to the front, so results are read by
// walking the array, never with FD_ISSET (a linear scan per call).
#ifndef ASYNCORE_SRC_WIN32_SOCKET_SET_HPP
#define ASYNCORE_SRC_WIN32_SOCKET_SET_HPP

#include "winsock.hpp"

#include <cstddef>
#include <cstring>
#include <vector>

namespace asyncore {
namespace detail {
namespace win32 {

static_assert(offsetof(fd_set, fd_array) == sizeof(SOCKET), "unexpected fd_set layout");

class socket_set {
 public:
  /// Empties the set and makes room for `n` sockets.
  void reset(std::size_t n) {
    if (storage_.size() < n + 1) storage_.resize(n + 1);
    count_ = 0;
  }
  /// Adds a socket; reset() must have made room for it. No duplicate check
  /// (callers add each socket once).
  void add(SOCKET s) noexcept { storage_[1 + count_++] = s; }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

  /// The set for select(), or null when empty (select takes null for an
  /// unused set).
  fd_set* native() noexcept {
    if (count_ == 0) return nullptr;
    const u_int n = static_cast<u_int>(count_);
    std::memcpy(storage_.data(), &n, sizeof n);
    return reinterpret_cast<fd_set*>(storage_.data());
  }

  /// After select(): how many sockets are ready, and which.
  std::size_t ready_count() const noexcept {
    if (count_ == 0) return 0;
    u_int n = 0;
    std::memcpy(&n, storage_.data(), sizeof n);
    return n;
  }
  SOCKET ready(std::size_t i) const noexcept { return storage_[1 + i]; }

 private:
  std::vector<SOCKET> storage_ = std::vector<SOCKET>(1);
  std::size_t count_ = 0;
};

/// select()'s timeval for a wait of `us` microseconds (< 0: null, without
/// limit), rounded up to a whole millisecond so that a sub-millisecond
/// timeout never becomes a zero-time poll.
inline timeval* make_timeval(std::int64_t us, timeval& tv) noexcept {
  if (us < 0) return nullptr;
  std::int64_t ms = (us + 999) / 1000;
  std::int64_t secs = ms / 1000;
  if (secs > 0x7fffffff) secs = 0x7fffffff;  // timeval::tv_sec is a 32-bit long on Windows
  tv.tv_sec = static_cast<long>(secs);
  tv.tv_usec = static_cast<long>((ms % 1000) * 1000);
  return &tv;
}

}  // namespace win32
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_WIN32_SOCKET_SET_HPP
