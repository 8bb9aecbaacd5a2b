// SPDX-License-Identifier: MIT
/// \file
/// The channel registry (Python's `socket_map`).
///
/// A socket_map holds the channels one loop serves. Python's module-global dict
/// is `asyncore::default_map()`; explicit maps let one loop run per thread
/// (a map and its channels belong to one thread at a time).
///
///     asyncore::socket_map map;
///     echo_server server(&map, port);
///     asyncore::loop(30.0, true, &map);      // until the map is empty
///
/// Membership is what makes a channel live: close() removes it, and loop()
/// returns when the map is empty. Unlike Python's dict, the registry keeps a
/// slot per registration, so a descriptor that is closed and reused inside one
/// loop iteration never receives the old channel's events, and a channel
/// removed (or destroyed) during an iteration gets no further handler calls.
///
/// Channels made with asyncore::make_owned<T>(...) are owned by their map:
/// they are freed after they close, once no handler of theirs is running (at
/// the end of the loop iteration, in close_all, or when the map is destroyed).
///
/// The map must outlive the user-owned channels registered in it.
#ifndef ASYNCORE_SOCKET_MAP_HPP
#define ASYNCORE_SOCKET_MAP_HPP

#include <asyncore/config.hpp>
#include <asyncore/error.hpp>
#include <asyncore/socket.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace asyncore {

class dispatcher;

/// Readiness and interest bits, in one portable encoding (Python's
/// select.POLLIN ... POLLNVAL have platform values; these do not).
enum : unsigned {
  pollin = 0x01,    ///< readable, or a connection to accept: handle_read_event()
  pollout = 0x02,   ///< writable, or a connect finished: handle_write_event()
  pollpri = 0x04,   ///< priority (out-of-band) data: handle_expt_event()
  pollerr = 0x08,   ///< an error condition: handle_close()
  pollhup = 0x10,   ///< hang-up: handle_close()
  pollnval = 0x20,  ///< not an open descriptor: handle_close()
};

/// Loop backends. `select` and `poll` exist everywhere the library builds
/// (POSIX select/poll, Winsock's select and poll, lwIP's select and poll);
/// `epoll` only on Linux. loop(use_poll) picks `poll` or `select`.
enum class backend : std::uint8_t {
  select = 0,  ///< select(): Python's default (use_poll=false)
  poll,        ///< poll() (Winsock's poll on Windows, lwIP's on lwIP): use_poll=true
  epoll        ///< Linux epoll, its registrations kept between iterations
};
/// The number of backend values (for tables indexed by backend).
constexpr std::size_t backend_count = 3;

namespace detail {
struct map_state;
struct core;
}  // namespace detail

/// Python's socket_map: the channels one loop serves (see socket_map.hpp).
///
/// Not copyable or movable. A map and its channels belong to one thread at a
/// time; request_exit() and call_soon_threadsafe() are the calls other
/// threads may make.
class ASYNCORE_API socket_map {
 public:
  /// An empty map.
  socket_map();
  /// Closes the channels it owns (make_owned) and frees them; user-owned
  /// channels still registered are unregistered (their sockets stay open).
  ~socket_map();
  socket_map(const socket_map&) = delete;
  socket_map& operator=(const socket_map&) = delete;

  /// Number of registered channels (Python's len(map)).
  std::size_t size() const noexcept;
  /// size() == 0.
  bool empty() const noexcept { return size() == 0; }
  /// The channel registered under a handle, or nullptr (Python's map.get(fd)).
  dispatcher* find(native_handle_type h) const noexcept;
  /// A snapshot of the registered channels, in registration order.
  std::vector<dispatcher*> channels() const;

  /// Makes the loop running on this map return after the current iteration
  /// (the exit request of builds without exceptions; see exit_now). Callable
  /// from any thread: it wakes a loop that is waiting. On POSIX it is also
  /// async-signal-safe: a SIGTERM/SIGINT handler may call it to stop loop()
  /// (an atomic store and one write(2), which leaves the caller's error
  /// number as it was; not while the map is being destroyed).
  void request_exit() noexcept;

  /// Where an exception thrown by a timer callback or a call_soon_threadsafe
  /// call goes when no channel owns it (a channel's own timers report to its
  /// handle_error). The default (nullptr) logs one line and goes on.
  using callback_error_handler = void (*)(void* context, const error_cause& cause);
  /// Sets the handler and the `context` it is given (nullptr: the default,
  /// which logs one line). It runs on the loop's thread, inside loop();
  /// what it throws is not caught there.
  void set_callback_error_handler(callback_error_handler handler, void* context = nullptr) noexcept;

 private:
  friend struct detail::core;
  // Everything the loop and the backends keep per map (registrations,
  // backends, the lent read buffer, channels to free) lives in src/:
  // a change to the loop is not a change to this class's layout.
  std::unique_ptr<detail::map_state> state_;
};

/// The default map, used wherever a `socket_map*` argument is null (Python's
/// module-level socket_map). It lives for the whole program.
ASYNCORE_API socket_map& default_map() noexcept;

}  // namespace asyncore

#endif  // ASYNCORE_SOCKET_MAP_HPP
