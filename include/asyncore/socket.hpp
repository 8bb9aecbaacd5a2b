// SPDX-License-Identifier: MIT
// asyncore for C++: the socket a dispatcher owns (Python's `self.socket`).
//
// `asyncore::socket` is a move-only owner of one native socket. Its calls are
// the raw ones: each reports exactly what the platform said, translated to a
// portable std::error_code (a send that would block gives
// std::errc::operation_would_block), and none of them calls a dispatcher
// handler. The dispatcher's own send/recv/accept/connect add asyncore's
// semantics on top.
//
// Every socket the library creates or accepts is non-blocking, is not
// inherited by child processes, and never raises SIGPIPE.
#ifndef ASYNCORE_SOCKET_HPP
#define ASYNCORE_SOCKET_HPP

#include <asyncore/address.hpp>
#include <asyncore/config.hpp>
#include <asyncore/error.hpp>

#include <cstddef>
#include <cstdint>
#include <system_error>

namespace asyncore {

/// The native socket handle, widened so one type fits every platform: an
/// `int` descriptor on POSIX and lwIP, a `SOCKET` (an unsigned pointer-sized
/// handle) on Windows. The conversion is lossless both ways.
using native_handle_type = std::intptr_t;

/// The "no socket" value (-1; INVALID_SOCKET on Windows). Test handles only
/// against this value, never with `< 0`.
constexpr native_handle_type invalid_handle = -1;

/// Socket options with portable names (getsockopt/setsockopt).
enum class sockopt {
  reuse_addr,  ///< SO_REUSEADDR
  error,       ///< SO_ERROR (read and clear); prefer socket::pending_error()
  type,        ///< SO_TYPE
  keep_alive,  ///< SO_KEEPALIVE
  broadcast,   ///< SO_BROADCAST
  rcvbuf,      ///< SO_RCVBUF
  sndbuf,      ///< SO_SNDBUF
  tcp_nodelay, ///< TCP_NODELAY
  v6only,      ///< IPV6_V6ONLY
  linger,      ///< SO_LINGER: value < 0 turns it off, otherwise on with that many seconds
};

/// Which directions socket::shutdown closes.
enum class shutdown_type { receive, send, both };

/// send flags.
enum class send_flags : int { none = 0, oob = 1 };

class ASYNCORE_API socket {
 public:
  socket() noexcept = default;
  /// Takes ownership of a native handle (it is closed by the destructor).
  explicit socket(native_handle_type h) noexcept : handle_(h) {}
  socket(socket&& other) noexcept : handle_(other.release()) {}
  socket& operator=(socket&& other) noexcept;
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;
  ~socket();

  /// Opens a new non-blocking, non-inheritable socket.
  static socket open(family f, socket_type t, std::error_code& ec) noexcept;

  native_handle_type fileno() const noexcept { return handle_; }
  native_handle_type native_handle() const noexcept { return handle_; }
  bool is_open() const noexcept { return handle_ != invalid_handle; }
  explicit operator bool() const noexcept { return is_open(); }
  /// Gives up ownership and returns the handle.
  [[nodiscard]] native_handle_type release() noexcept {
    native_handle_type h = handle_;
    handle_ = invalid_handle;
    return h;
  }

  /// Closes the socket; a second close is a no-op.
  void close(std::error_code& ec) noexcept;
  void close() noexcept;

  void bind(const address& a, std::error_code& ec) noexcept;
  void listen(int backlog, std::error_code& ec) noexcept;
  /// Starts a connect. A non-blocking connect that is under way gives
  /// std::errc::operation_in_progress on every platform.
  void connect(const address& a, std::error_code& ec) noexcept;
  /// Accepts one connection; the new socket is non-blocking and not
  /// inheritable. Would-block gives std::errc::operation_would_block.
  [[nodiscard]] socket accept(address* peer, std::error_code& ec) noexcept;

  [[nodiscard]] std::size_t send(const void* data, std::size_t n, std::error_code& ec,
                   send_flags flags = send_flags::none) noexcept;
  /// Returns 0 with no error at end of stream.
  [[nodiscard]] std::size_t recv(void* buf, std::size_t n, std::error_code& ec) noexcept;
  std::size_t sendto(const void* data, std::size_t n, const address& to, std::error_code& ec) noexcept;
  [[nodiscard]] std::size_t recvfrom(void* buf, std::size_t n, address& from, std::error_code& ec) noexcept;

  void shutdown(shutdown_type how, std::error_code& ec) noexcept;

  address getsockname(std::error_code& ec) const;
  address getpeername(std::error_code& ec) const;
  int getsockopt(sockopt opt, std::error_code& ec) const noexcept;
  void setsockopt(sockopt opt, int value, std::error_code& ec) noexcept;
  /// Reads and clears the pending error (SO_ERROR), translated.
  std::error_code pending_error() const noexcept;

  void set_blocking(bool blocking, std::error_code& ec) noexcept;
  /// Python's `gettimeout() == 0` is `!blocking()`.
  bool blocking(std::error_code& ec) const noexcept;
  /// Whether a child process would inherit the socket (Python's get_inheritable).
  bool inheritable(std::error_code& ec) const noexcept;

  family get_family(std::error_code& ec) const noexcept;
  socket_type get_type(std::error_code& ec) const noexcept;

#if ASYNCORE_HAS_EXCEPTIONS
  static socket open(family f, socket_type t);
  void bind(const address& a);
  void listen(int backlog);
  address getsockname() const;
  address getpeername() const;
  int getsockopt(sockopt opt) const;
  void setsockopt(sockopt opt, int value);
  void set_blocking(bool blocking);
  bool blocking() const;
  bool inheritable() const;
#endif

 private:
  native_handle_type handle_ = invalid_handle;
};

/// A connected pair of sockets (socketpair on POSIX; a loopback TCP pair
/// elsewhere), both non-blocking. Useful for tests and wake-ups.
[[nodiscard]] ASYNCORE_API bool socket_pair(socket& a, socket& b, std::error_code& ec);

}  // namespace asyncore

#endif  // ASYNCORE_SOCKET_HPP
