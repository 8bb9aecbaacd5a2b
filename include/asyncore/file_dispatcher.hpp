// SPDX-License-Identifier: MIT
/// \file
/// The file_wrapper and file_dispatcher classes (Python's, POSIX only).
///
/// file_dispatcher lets the loop serve a pipe, a terminal or any descriptor
/// that poll/select accept, with the dispatcher's hooks:
///
///     class stdin_reader : public asyncore::file_dispatcher {
///      public:
///       using file_dispatcher::file_dispatcher;
///       void handle_read() override {
///         char buf[512]; std::error_code ec;
///         std::size_t n = recv(buf, sizeof buf, ec);   // 0 + handle_close at EOF
///       }
///     };
///     stdin_reader in(0);   // dups fd 0; the original stays the caller's
///
/// As in Python the descriptor is duplicated, so the caller may close its own.
/// Unlike Python, O_NONBLOCK is set on the duplicate only where the platform
/// allows it without touching the caller's (see the README); regular files
/// are always "ready". Not available on Windows or lwIP: there is nothing to
/// poll files with, and including this header there is an error.
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
  /// The duplicate is close-on-exec. A failed dup sets `ec` and leaves the
  /// wrapper closed (fileno() -1).
  explicit file_wrapper(int fd, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  /// As file_wrapper(int, std::error_code&); throws std::system_error when
  /// the dup fails.
  explicit file_wrapper(int fd);
#endif
  /// Takes the other wrapper's descriptor; `other` is left closed.
  file_wrapper(file_wrapper&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  file_wrapper& operator=(file_wrapper&&) = delete;
  file_wrapper(const file_wrapper&) = delete;
  /// Closes the descriptor (errors ignored).
  ~file_wrapper();

  /// read(2) of up to `n` bytes (retried on EINTR); returns the bytes read,
  /// 0 at end of file. An error (would-block too) returns 0 and sets `ec`.
  std::size_t recv(void* buf, std::size_t n, std::error_code& ec) noexcept;
  /// The same as recv() (Python's file_wrapper has both names).
  std::size_t read(void* buf, std::size_t n, std::error_code& ec) noexcept { return recv(buf, n, ec); }
  /// write(2) of up to `n` bytes (retried on EINTR); returns the bytes
  /// written. An error (would-block too) returns 0 and sets `ec`.
  std::size_t send(const void* data, std::size_t n, std::error_code& ec) noexcept;
  /// The same as send().
  std::size_t write(const void* data, std::size_t n, std::error_code& ec) noexcept { return send(data, n, ec); }
  /// Marks the wrapper closed before closing (a failing close still leaves
  /// it closed; a second close is a no-op).
  void close(std::error_code& ec) noexcept;
  /// The duplicated descriptor, or -1 once closed or released.
  int fileno() const noexcept { return fd_; }
  /// Gives up ownership of the descriptor.
  int release() noexcept { int f = fd_; fd_ = -1; return f; }
#if ASYNCORE_HAS_EXCEPTIONS
  /// As recv(void*, std::size_t, std::error_code&); throws std::system_error.
  std::size_t recv(void* buf, std::size_t n);
  /// The same as recv().
  std::size_t read(void* buf, std::size_t n) { return recv(buf, n); }
  /// As send(const void*, std::size_t, std::error_code&); throws std::system_error.
  std::size_t send(const void* data, std::size_t n);
  /// The same as send().
  std::size_t write(const void* data, std::size_t n) { return send(data, n); }
  /// As close(std::error_code&); throws std::system_error.
  void close();
#endif

 private:
  int fd_;
};

/// Python's file_dispatcher: a connected dispatcher over a duplicated file
/// descriptor. recv/send read and write the descriptor.
class ASYNCORE_API file_dispatcher : public dispatcher {
 public:
  /// Takes a non-blocking duplicate of `fd` (the caller keeps its own) and
  /// registers it in `map` (null: default_map()); connected is true. A
  /// failure sets `ec` and leaves the channel without a descriptor.
  file_dispatcher(int fd, socket_map* map, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  /// As file_dispatcher(int, socket_map*, std::error_code&); throws
  /// std::system_error on failure.
  explicit file_dispatcher(int fd, socket_map* map = nullptr);
#endif
  /// Replaces the descriptor with a non-blocking duplicate of `fd` and
  /// registers it (Python's set_file).
  void set_file(int fd, std::error_code& ec);
  std::string_view type_name() const override { return "asyncore::file_dispatcher"; }
};

}  // namespace asyncore

#endif  // ASYNCORE_FILE_DISPATCHER_HPP
