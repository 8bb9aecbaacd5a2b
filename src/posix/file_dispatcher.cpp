// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): file_wrapper and file_dispatcher (Python A:589-647).
#include <asyncore/file_dispatcher.hpp>

#include "../or_throw.hpp"
#include "posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace asyncore {

namespace {

int dup_cloexec(int fd, std::error_code& ec) {
  int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) ec = detail::posix::last_error();
  return d;
}

// A descriptor for the dispatcher to own, non-blocking. Python dups the fd
// and sets O_NONBLOCK on the caller's open file description, which changes
// it for every other user of that file (a shared terminal, a pipe). For
// pipes, FIFOs and terminals, reopening through /proc/self/fd gives a new
// description of the same object, whose flags are ours alone. Elsewhere
// (no /proc, sockets, regular files where O_NONBLOCK means nothing) the
// descriptor is dup'ed and the flag set as Python does.
int own_nonblocking(int fd, std::error_code& ec) {
  ec.clear();
  struct stat st;
  if (::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl >= 0) {
      char path[48];
      std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      int r = ::open(path, (fl & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
      if (r >= 0) return r;
    }
  }
  int d = dup_cloexec(fd, ec);
  if (d < 0) return -1;
  int fl = ::fcntl(d, F_GETFL);
  if (fl >= 0 && !(fl & O_NONBLOCK)) ::fcntl(d, F_SETFL, fl | O_NONBLOCK);
  return d;
}

}  // namespace

file_wrapper::file_wrapper(int fd, std::error_code& ec) : fd_(-1) {
  ec.clear();
  fd_ = dup_cloexec(fd, ec);
}

#if ASYNCORE_HAS_EXCEPTIONS
file_wrapper::file_wrapper(int fd) : fd_(-1) {
  fd_ = detail::or_throw("dup", [&](std::error_code& ec) { return dup_cloexec(fd, ec); });
}
#endif

file_wrapper::~file_wrapper() {
  std::error_code ignored;
  close(ignored);
}

std::size_t file_wrapper::recv(void* buf, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  ssize_t r;
  do {
    r = ::read(fd_, buf, n);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = detail::posix::last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t file_wrapper::send(const void* data, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  ssize_t r;
  do {
    r = ::write(fd_, data, n);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = detail::posix::last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

void file_wrapper::close(std::error_code& ec) noexcept {
  ec.clear();
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;  // closed even if close() fails (Python A:617-623)
  if (::close(fd) < 0 && errno != EINTR) ec = detail::posix::last_error();
}

#if ASYNCORE_HAS_EXCEPTIONS
std::size_t file_wrapper::recv(void* buf, std::size_t n) {
  return detail::or_throw("read", [&](std::error_code& ec) { return recv(buf, n, ec); });
}
std::size_t file_wrapper::send(const void* data, std::size_t n) {
  return detail::or_throw("write", [&](std::error_code& ec) { return send(data, n, ec); });
}
void file_wrapper::close() {
  detail::or_throw("close", [&](std::error_code& ec) { close(ec); });
}
#endif

file_dispatcher::file_dispatcher(int fd, socket_map* map, std::error_code& ec) : dispatcher(map) {
  connected = true;
  set_file(fd, ec);
}

#if ASYNCORE_HAS_EXCEPTIONS
file_dispatcher::file_dispatcher(int fd, socket_map* map) : dispatcher(map) {
  connected = true;
  detail::or_throw("file_dispatcher", [&](std::error_code& ec) { set_file(fd, ec); });
}
#endif

void file_dispatcher::set_file(int fd, std::error_code& ec) {
  int own = own_nonblocking(fd, ec);
  if (own < 0) return;
  // The dispatcher's socket slot holds the descriptor; the POSIX layer's
  // recv/send fall back to read/write for descriptors that are not sockets.
  set_socket(asyncore::socket(own));
}

}  // namespace asyncore
