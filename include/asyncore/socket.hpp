// SPDX-License-Identifier: MIT
/// \file
/// The socket a dispatcher owns (Python's `self.socket`).
///
/// `asyncore::socket` is a move-only owner of one native socket. Its calls are
/// the raw ones: each reports exactly what the platform said, translated to a
/// portable std::error_code (a send that would block gives
/// std::errc::operation_would_block), and none of them calls a dispatcher
/// handler. The dispatcher's own send/recv/accept/connect add asyncore's
/// semantics on top.
///
/// Every socket the library creates or accepts is non-blocking, is not
/// inherited by child processes, and never raises SIGPIPE.
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

namespace detail {
/// Switches the platform's datagram code on; socket::open() and
/// dispatcher::create_socket() call it before they open a datagram socket.
/// They are inline so that, where the type is a constant at the call (it
/// usually is), a program that opens only streams does not link it, and
/// with it none of the platform's datagram code (lwIP's raw platform then
/// leaves out its UDP: recvfrom, sendto, the datagram queue).
ASYNCORE_API void enable_datagrams() noexcept;
}  // namespace detail

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
enum class shutdown_type {
  receive,  ///< SHUT_RD
  send,     ///< SHUT_WR: the peer reads end of stream
  both      ///< SHUT_RDWR
};

/// Flags for socket::send.
enum class send_flags : int {
  none = 0,  ///< a plain send
  oob = 1    ///< MSG_OOB: out-of-band (urgent) data, where capabilities::oob
};

/// A move-only owner of one native socket (Python's socket object, as
/// dispatcher::socket() shows it): raw calls with portable errors, no
/// dispatcher semantics and no handler calls (see socket.hpp).
class ASYNCORE_API socket {
 public:
  /// No socket (is_open() is false).
  socket() noexcept = default;
  /// Takes ownership of a native handle (it is closed by the destructor).
  explicit socket(native_handle_type h) noexcept : handle_(h) {}
  /// Takes `other`'s handle; `other` is left with none.
  socket(socket&& other) noexcept : handle_(other.release()) {}
  /// Closes this socket's handle (errors ignored), then takes `other`'s.
  socket& operator=(socket&& other) noexcept;
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;
  /// Closes the handle, if any (errors ignored).
  ~socket();

  /// Opens a new non-blocking, non-inheritable socket; on failure `ec` is
  /// set and the result is not open.
  static socket open(family f, socket_type t, std::error_code& ec) noexcept {
    if (t == socket_type::dgram) detail::enable_datagrams();  // see there
    return socket(open_native(f, t, ec));
  }

  /// The native handle, or invalid_handle (Python's fileno()).
  native_handle_type fileno() const noexcept { return handle_; }
  /// The same as fileno().
  native_handle_type native_handle() const noexcept { return handle_; }
  /// True while the socket holds a handle.
  bool is_open() const noexcept { return handle_ != invalid_handle; }
  /// is_open().
  explicit operator bool() const noexcept { return is_open(); }
  /// Gives up ownership and returns the handle.
  [[nodiscard]] native_handle_type release() noexcept {
    native_handle_type h = handle_;
    handle_ = invalid_handle;
    return h;
  }

  /// Closes the socket; a second close is a no-op.
  void close(std::error_code& ec) noexcept;
  /// As close(std::error_code&), ignoring errors.
  void close() noexcept;

  /// Binds to `a` (port 0: any free port; getsockname() tells which).
  void bind(const address& a, std::error_code& ec) noexcept;
  /// Listens with `backlog` (the platform clamps it; see
  /// ASYNCORE_LISTEN_BACKLOG).
  void listen(int backlog, std::error_code& ec) noexcept;
  /// Starts a connect. A non-blocking connect that is under way gives
  /// std::errc::operation_in_progress on every platform.
  void connect(const address& a, std::error_code& ec) noexcept;
  /// Accepts one connection; the new socket is non-blocking and not
  /// inheritable, and `peer` (may be null) receives its address.
  /// Would-block gives std::errc::operation_would_block and a socket that
  /// is not open.
  [[nodiscard]] socket accept(address* peer, std::error_code& ec) noexcept;

  /// Sends up to `n` bytes; returns how many were sent (0 with an error,
  /// such as std::errc::operation_would_block when the buffer is full).
  [[nodiscard]] std::size_t send(const void* data, std::size_t n, std::error_code& ec,
                   send_flags flags = send_flags::none) noexcept;
  /// Receives up to `n` bytes; returns how many. Returns 0 with no error at
  /// end of stream; 0 and std::errc::operation_would_block when nothing is
  /// there yet.
  [[nodiscard]] std::size_t recv(void* buf, std::size_t n, std::error_code& ec) noexcept;
  /// Sends one datagram to `to`; returns the bytes sent.
  std::size_t sendto(const void* data, std::size_t n, const address& to, std::error_code& ec) noexcept;
  /// Receives one datagram of up to `n` bytes; its sender goes to `from`.
  [[nodiscard]] std::size_t recvfrom(void* buf, std::size_t n, address& from, std::error_code& ec) noexcept;

  /// Shuts down one or both directions (Python's shutdown()).
  void shutdown(shutdown_type how, std::error_code& ec) noexcept;

  /// The local address (after bind, or the one the system chose).
  address getsockname(std::error_code& ec) const;
  /// The peer's address; std::errc::not_connected when there is none.
  address getpeername(std::error_code& ec) const;
  /// Reads an option (for sockopt::linger: the seconds, or -1 when off).
  int getsockopt(sockopt opt, std::error_code& ec) const noexcept;
  /// Sets an option; booleans take 0 or 1 (see sockopt for linger).
  void setsockopt(sockopt opt, int value, std::error_code& ec) noexcept;
  /// Reads and clears the pending error (SO_ERROR), translated.
  std::error_code pending_error() const noexcept;

  /// Makes the socket blocking or not (Python's setblocking()). A socket in
  /// a dispatcher must stay non-blocking.
  void set_blocking(bool blocking, std::error_code& ec) noexcept;
  /// Python's `gettimeout() == 0` is `!blocking()`.
  bool blocking(std::error_code& ec) const noexcept;
  /// Whether a child process would inherit the socket (Python's get_inheritable).
  bool inheritable(std::error_code& ec) const noexcept;

  /// The socket's address family (Python's `family`).
  family get_family(std::error_code& ec) const noexcept;
  /// The socket's type (Python's `type`).
  socket_type get_type(std::error_code& ec) const noexcept;

#if ASYNCORE_HAS_EXCEPTIONS
  // The throwing overloads: each is the std::error_code one above, and
  // throws std::system_error where that one would set `ec`.
  /// As open(family, socket_type, std::error_code&); throws std::system_error.
  static socket open(family f, socket_type t);
  /// As bind(const address&, std::error_code&); throws std::system_error.
  void bind(const address& a);
  /// As listen(int, std::error_code&); throws std::system_error.
  void listen(int backlog);
  /// As getsockname(std::error_code&); throws std::system_error.
  address getsockname() const;
  /// As getpeername(std::error_code&); throws std::system_error.
  address getpeername() const;
  /// As getsockopt(sockopt, std::error_code&); throws std::system_error.
  int getsockopt(sockopt opt) const;
  /// As setsockopt(sockopt, int, std::error_code&); throws std::system_error.
  void setsockopt(sockopt opt, int value);
  /// As set_blocking(bool, std::error_code&); throws std::system_error.
  void set_blocking(bool blocking);
  /// As blocking(std::error_code&); throws std::system_error.
  bool blocking() const;
  /// As inheritable(std::error_code&); throws std::system_error.
  bool inheritable() const;
#endif

 private:
  static native_handle_type open_native(family f, socket_type t, std::error_code& ec) noexcept;
  native_handle_type handle_ = invalid_handle;
};

/// A connected pair of sockets (socketpair on POSIX; a loopback TCP pair
/// elsewhere), both non-blocking. Useful for tests and wake-ups.
[[nodiscard]] ASYNCORE_API bool socket_pair(socket& a, socket& b, std::error_code& ec);

}  // namespace asyncore

#endif  // ASYNCORE_SOCKET_HPP
