// SPDX-License-Identifier: MIT
// asyncore for C++: file_wrapper and file_dispatcher (Python's, POSIX only).
//
// file_dispatcher lets the loop serve a pipe, a terminal or any descriptor
// that poll/select accept, with the dispatcher's hooks:
//
//     class stdin_reader : public asyncore::file_dispatcher {
//      public:
//       using file_dispatcher::file_dispatcher;
//       void handle_read() override {
//         char buf[512]; std::error_code ec;
//         std::size_t n = recv(buf, sizeof buf, ec);   // 0 + handle_close at EOF
//       }
//     };
//     stdin_reader in(0);   // dups fd 0; the original stays the caller's
//
// As in Python the descriptor is duplicated, so the caller may close its own.
// Unlike Python, O_NONBLOCK is set on the duplicate only where the platform
// allows it without touching the caller's (see the README); regular files
// are always "ready". Not available on Windows or lwIP: there is nothing to
// poll files with, and including this header there is an error.
#ifndef ASYNCORE_FILE_DISPATCHER_HPP
#define ASYNCORE_FILE_DISPATCHER_HPP

#include <asyncore/config.hpp>

#if !ASYNCORE_HAS_FILE_DISPATCHER
#error "asyncore::file_dispatcher is POSIX-only (as in Python): this platform cannot poll files. Use a socket-based channel instead."
#endif

#include <asyncore/dispatcher.hpp>

#include <cstddef>
#include <system_error>

namespace asyncore {

/// Python's file_wrapper: a duplicated descriptor with socket-like calls.
/// It is what a file_dispatcher holds instead of a socket.
class ASYNCORE_API file_wrapper {
 public:
  /// Duplicates `fd`; the caller keeps (and may close) its own.
  explicit file_wrapper(int fd, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  explicit file_wrapper(int fd);
#endif
  file_wrapper(file_wrapper&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  file_wrapper& operator=(file_wrapper&&) = delete;
  file_wrapper(const file_wrapper&) = delete;
  ~file_wrapper();

  std::size_t recv(void* buf, std::size_t n, std::error_code& ec) noexcept;
  std::size_t read(void* buf, std::size_t n, std::error_code& ec) noexcept { return recv(buf, n, ec); }
  std::size_t send(const void* data, std::size_t n, std::error_code& ec) noexcept;
  std::size_t write(const void* data, std::size_t n, std::error_code& ec) noexcept { return send(data, n, ec); }
  /// Marks the wrapper closed before closing (a failing close still leaves
  /// it closed; a second close is a no-op).
  void close(std::error_code& ec) noexcept;
  int fileno() const noexcept { return fd_; }
  /// Gives up ownership of the descriptor.
  int release() noexcept { int f = fd_; fd_ = -1; return f; }
#if ASYNCORE_HAS_EXCEPTIONS
  std::size_t recv(void* buf, std::size_t n);
  std::size_t read(void* buf, std::size_t n) { return recv(buf, n); }
  std::size_t send(const void* data, std::size_t n);
  std::size_t write(const void* data, std::size_t n) { return send(data, n); }
  void close();
#endif

 private:
  int fd_;
};

/// Python's file_dispatcher: a connected dispatcher over a duplicated file
/// descriptor. recv/send read and write the descriptor.
class ASYNCORE_API file_dispatcher : public dispatcher {
 public:
  file_dispatcher(int fd, socket_map* map, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  explicit file_dispatcher(int fd, socket_map* map = nullptr);
#endif
  /// Replaces the descriptor (Python's set_file).
  void set_file(int fd, std::error_code& ec);
  std::string_view type_name() const override { return "asyncore::file_dispatcher"; }
};

}  // namespace asyncore

#endif  // ASYNCORE_FILE_DISPATCHER_HPP
