// SPDX-License-Identifier: MIT
/// \file
/// The loop (Python's asyncore.loop, poll, poll2, readwrite,
/// read, write, _exception and close_all).
///
///     asyncore::loop();                              // select, 30 s, default map, until empty
///     asyncore::loop(0.1, true, &map, 10);           // poll backend, at most 10 iterations
///     asyncore::loop(1.0, asyncore::backend::epoll, &map);
///
/// One iteration: every channel's readable() and writable() are sampled (in
/// registration order; a channel that declared stable predicates, see
/// dispatcher::set_stable_predicates, only when it is new, was dispatched in
/// the previous iteration or called interest_changed(), and its last answer
/// is used otherwise), the backend waits up to `timeout` seconds, and each
/// ready channel is dispatched in turn: read, then write, then priority data,
/// then close. Timeouts below a millisecond round up (never a busy spin), a
/// signal does not end the wait early (it resumes with the time left), and a
/// map whose channels want nothing sleeps the timeout, on every platform.
///
/// Differences from CPython, on purpose (see the README): the select backend
/// dispatches per channel like poll (CPython makes three passes), a channel
/// closed during the iteration gets no further event, a reused descriptor
/// never receives the old channel's events, a descriptor select cannot watch
/// gives that channel handle_error(errc::descriptor_out_of_range) instead of
/// failing the whole loop, and an exception from readable()/writable() goes to
/// that channel's handle_error instead of leaving the loop.
#ifndef ASYNCORE_LOOP_HPP
#define ASYNCORE_LOOP_HPP

#include <asyncore/config.hpp>
#include <asyncore/dispatcher.hpp>
#include <asyncore/socket_map.hpp>

#include <optional>
#include <system_error>

namespace asyncore {

/// A timeout meaning "wait without limit" (Python's None).
constexpr double forever = -1.0;

/// Runs until the map is empty, `count` iterations have run, or an exit is
/// requested (exit_now thrown from a handler, or socket_map::request_exit).
/// `use_poll` chooses backend::poll, otherwise backend::select.
/// If the backend itself fails (not a channel), the error is thrown as
/// std::system_error; without exceptions it is logged and loop returns.
ASYNCORE_API void loop(double timeout = 30.0, bool use_poll = false, socket_map* map = nullptr,
          std::optional<long> count = std::nullopt);
/// The same with an explicit backend.
ASYNCORE_API void loop(double timeout, backend b, socket_map* map = nullptr, std::optional<long> count = std::nullopt);
/// The same; a backend failure is reported through `ec` (never throws for it).
ASYNCORE_API void loop(double timeout, backend b, socket_map* map, std::optional<long> count, std::error_code& ec);

/// One iteration of the select backend (Python's asyncore.poll).
ASYNCORE_API void poll(double timeout = 0.0, socket_map* map = nullptr);
/// One iteration of the poll backend (Python's asyncore.poll2 / poll3).
ASYNCORE_API void poll2(double timeout = 0.0, socket_map* map = nullptr);
/// One iteration of any backend.
ASYNCORE_API void poll_once(double timeout, backend b, socket_map* map, std::error_code& ec);

/// Whether this platform has the backend (poll and select always do).
ASYNCORE_API bool has_backend(backend b) noexcept;
/// The backend's name: "select", "poll" (Windows' and lwIP's poll too), "epoll".
ASYNCORE_API const char* backend_name(backend b) noexcept;

/// Dispatches readiness flags (pollin ... pollnval) to one channel exactly
/// as the loop does (Python's readwrite): pollin -> handle_read_event,
/// pollout -> handle_write_event, pollpri -> handle_expt_event, and
/// pollhup/pollerr/pollnval -> handle_close. Exceptions from the handlers go
/// to handle_error (exit_now passes through). Stops as soon as the channel
/// has closed.
ASYNCORE_API void readwrite(dispatcher& obj, unsigned flags);
/// Python's read(obj), write(obj) and _exception(obj): one event with the
/// exception policy above. read() calls handle_read_event().
ASYNCORE_API void read(dispatcher& obj);
/// Python's write(obj): handle_write_event(), with the policy of readwrite().
ASYNCORE_API void write(dispatcher& obj);
/// Python's _exception(obj): handle_expt_event(), with the policy of
/// readwrite().
ASYNCORE_API void expt(dispatcher& obj);

/// Closes every channel of the map (close(), never handle_close()) and
/// empties it; channels owned by the map are freed. With exceptions, one
/// that a close() throws is rethrown unless `ignore_all` (exit_now always).
ASYNCORE_API void close_all(socket_map* map = nullptr, bool ignore_all = false);

/// What this platform's layer supports, for applications and tests that
/// adapt at run time.
struct ASYNCORE_API capabilities {
  const char* platform;  ///< "posix", "win32", "lwip"
  bool ipv6;             ///< IPv6 sockets can be opened and bound to ::1
  bool local;            ///< AF_UNIX
  bool oob;              ///< out-of-band data (MSG_OOB / priority events)
  bool files;            ///< file_dispatcher
  bool pollhup;          ///< the poll backend reports hang-up separately
};
/// This platform's capabilities, probed once (for example, ipv6 is false on
/// a host whose kernel has IPv6 disabled).
ASYNCORE_API const capabilities& platform_capabilities() noexcept;

}  // namespace asyncore

#endif  // ASYNCORE_LOOP_HPP
