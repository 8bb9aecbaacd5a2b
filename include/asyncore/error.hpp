// SPDX-License-Identifier: MIT
/// \file
/// Errors.
///
/// Every operation that can fail has an overload taking `std::error_code&` that
/// never throws. When exceptions are enabled, the overload without it throws
/// `std::system_error` (through detail::throw_error, the only place that throws).
///
/// Native errors (the C library's, Winsock's, lwIP's error numbers) are translated by the
/// platform layer into portable conditions, so user code compares against
/// `std::errc` values on every platform:
///
///     std::error_code ec;
///     client.connect(asyncore::address("127.0.0.1", port), ec);
///     if (ec == std::errc::connection_refused) { ... }
///
/// Errors that are the library's own (not the operating system's) live in the
/// `asyncore::errc` enumeration below.
#ifndef ASYNCORE_ERROR_HPP
#define ASYNCORE_ERROR_HPP

#include <asyncore/config.hpp>

#include <exception>
#include <string>
#include <system_error>

namespace asyncore {

/// The library's own error codes (category name "asyncore").
enum class errc {
  /// The select backend cannot watch this descriptor: it is >= FD_SETSIZE.
  /// Use the poll (or epoll) backend. The channel gets handle_error with it.
  descriptor_out_of_range = 1,
  /// async_chat: the peer sent a record longer than max_record_size().
  record_too_long,
  /// The requested loop backend does not exist on this platform.
  backend_unavailable,
  /// An address could not be parsed, or has no family the call accepts.
  invalid_address,
  /// The operation needs a socket and the dispatcher has none (closed).
  no_socket,
  /// The platform has no more descriptors for sockets (lwIP: MEMP_NUM_NETCONN).
  descriptors_exhausted,
  /// Name resolution found no address for the host (unknown name).
  host_not_found,
};

/// The category of asyncore::errc.
ASYNCORE_API const std::error_category& error_category() noexcept;

/// Makes an std::error_code of error_category() (found by argument-dependent
/// lookup, so `std::error_code ec = errc::no_socket;` works).
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The error's text, for a log or a person: ec.message(), except on Windows,
/// where the C library (MinGW's) cannot describe most std::errc network codes
/// ("Unknown error"): they get the texts POSIX systems give ("Connection
/// refused", "Connection timed out"). The library's own texts (error_cause's
/// `what`, its log lines) use it; the examples too.
ASYNCORE_API std::string error_text(const std::error_code& ec);

/// True for the "disconnected" errors that Python's asyncore turns into
/// handle_close (its _DISCONNECTED set): connection reset, connection aborted,
/// not connected, shut down, broken pipe, bad descriptor.
ASYNCORE_API bool is_disconnect(const std::error_code& ec) noexcept;

/// Python's ExitNow: throw it from any handler to leave loop() at once; it is
/// never passed to handle_error. Without exceptions, use request_exit().
#if ASYNCORE_HAS_EXCEPTIONS
class ASYNCORE_API exit_now : public std::exception {
 public:
  /// "asyncore::exit_now".
  const char* what() const noexcept override { return "asyncore::exit_now"; }
};
#endif

/// What handle_error receives: the cause of the failure.
///  - `code`: the error, when there is one (a failed connect's SO_ERROR, a
///    socket call's error, errc::record_too_long ...).
///  - `exception`: the exception a handler threw, when that is the cause
///    (null otherwise; always null without exceptions).
///  - `what`: a one-line description, suitable for a log.
struct ASYNCORE_API error_cause {
  std::error_code code;          ///< the error; for a thrown std::system_error its code; else empty
  std::exception_ptr exception;  ///< what a handler threw (rethrow it to inspect); else null
  std::string what;              ///< one line for a log (for an exception, its what())
};

namespace detail {
/// Throws std::system_error(ec, what). Without exceptions it does not exist;
/// nothing in the library calls it then.
#if ASYNCORE_HAS_EXCEPTIONS
[[noreturn]] ASYNCORE_API void throw_error(const std::error_code& ec, const char* what);
inline void throw_if(const std::error_code& ec, const char* what) {
  if (ec) throw_error(ec, what);
}
#endif
}  // namespace detail

}  // namespace asyncore

namespace std {
template <>
struct is_error_code_enum<asyncore::errc> : true_type {};
}  // namespace std

#endif  // ASYNCORE_ERROR_HPP
