// SPDX-License-Identifier: MIT
/// \file
/// The dispatcher class, the base of every channel (Python's
/// asyncore.dispatcher).
///
/// A channel is a dispatcher subclass that overrides the handle_* hooks and
/// the readable()/writable() predicates; loop() calls them:
///
///     class echo_handler : public asyncore::dispatcher {
///      public:
///       using dispatcher::dispatcher;
///       void handle_read() override {
///         char buf[8192];
///         std::error_code ec;
///         std::size_t n = recv(buf, sizeof buf, ec);
///         if (n) send(buf, n, ec);
///       }
///     };
///
///     class echo_server : public asyncore::dispatcher {
///      public:
///       explicit echo_server(const asyncore::address& a) {
///         create_socket(a.get_family());
///         set_reuse_addr();
///         bind(a);
///         listen(5);
///       }
///       void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
///         asyncore::make_owned<echo_handler>(std::move(sock));  // freed after it closes
///       }
///     };
///
/// State, as in Python: `connected`, `accepting`, `connecting` and `addr` are
/// public members. The loop calls, per ready channel, handle_read_event /
/// handle_write_event / handle_expt_event, which turn readiness into
/// handle_accept, handle_connect, handle_read, handle_write, handle_expt and
/// handle_close. Every I/O call has an std::error_code overload that never
/// throws; see the README's table for the mapping from Python.
///
/// Error-to-callback mapping (the same on every backend and platform):
///  - end of stream, and the "disconnected" errors (reset, aborted, broken
///    pipe, not connected, shut down) give handle_close();
///  - a failed connect gives handle_error() with the connect error as cause;
///  - any other error, and any exception a handler throws, give
///    handle_error(cause), whose default logs one line and calls handle_close();
///  - exit_now (and socket_map::request_exit) leave loop().
///
/// No handler runs on a channel after it closed.
#ifndef ASYNCORE_DISPATCHER_HPP
#define ASYNCORE_DISPATCHER_HPP

#include <asyncore/address.hpp>
#include <asyncore/config.hpp>
#include <asyncore/error.hpp>
#include <asyncore/socket.hpp>
#include <asyncore/socket_map.hpp>
#include <asyncore/timer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncore {

class dispatcher;
namespace detail {
struct core;
struct map_state;
struct tls_transport;  // TLS under the channel (asyncore/tls.hpp), when started
/// make_owned's out-of-line half: hands `d` to the map it is registered in
/// (else its own map), which frees it after it closes.
ASYNCORE_API void adopt_owned(dispatcher& d);
}  // namespace detail

/// What dispatcher::accept() returns: the new connection and its peer.
struct ASYNCORE_API accepted_socket {
  asyncore::socket sock;  ///< the new connection (non-blocking, not inheritable); yours to adopt
  address addr;           ///< the peer's address
};

/// Python's asyncore.dispatcher: the base of every channel.
///
/// Subclass it, override the handle_* hooks (and readable()/writable()),
/// and register a socket (create_socket(), or the constructor that adopts
/// an accepted one); loop() then calls the hooks. The hooks run on the
/// loop's thread, one at a time, and may call anything here, close() too;
/// no hook runs after the channel closed. How errors reach the hooks is in
/// dispatcher.hpp. A channel you create is yours to destroy (after it
/// closed, or to close it); one made with make_owned() is freed by its map.
class ASYNCORE_API dispatcher {
 public:
  /// A dispatcher with no socket, not registered (Python: dispatcher()).
  /// `map` null means default_map().
  explicit dispatcher(socket_map* map = nullptr) noexcept;

  /// Adopts a socket, usually one from accept (Python: dispatcher(sock)):
  /// makes it non-blocking, registers it in `map`, sets connected=true and
  /// addr to the peer's address. If the peer is already gone (ENOTCONN or
  /// EINVAL from getpeername), connected=false and addr stays empty. Any other
  /// error unregisters and closes the socket and is reported through `ec`.
  dispatcher(asyncore::socket sock, socket_map* map, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  /// As dispatcher(asyncore::socket, socket_map*, std::error_code&); throws
  /// std::system_error on the "other error" case.
  explicit dispatcher(asyncore::socket sock, socket_map* map = nullptr);
#endif

  /// Unregisters the channel and closes its socket.
  virtual ~dispatcher();

  dispatcher(const dispatcher&) = delete;
  dispatcher& operator=(const dispatcher&) = delete;

  // -- state (Python's attributes) -------------------------------------
  /// True once a connect completed or a connected socket was adopted;
  /// false again after close() (Python's `connected`).
  bool connected = false;
  /// True after listen() (Python's `accepting`): read events then mean
  /// handle_accept().
  bool accepting = false;
  /// True while a connect() is under way (Python's `connecting`): the next
  /// read or write event completes it (handle_connect_event()).
  bool connecting = false;
  /// The peer (after accept/connect) or the bound address (after bind).
  address addr;
  /// Python's `debug`: dispatcher_with_send logs what it sends when set.
  bool debug = false;

  // -- predicates (called by loop() once per iteration, before waiting) --
  /// Whether the channel wants read events (incoming data, a connection to
  /// accept, a connect completing). Called by loop() once per iteration,
  /// before it waits. Default true (Python).
  virtual bool readable();
  /// Whether the channel wants write events. Called by loop() once per
  /// iteration, before it waits. Default true (Python). A connected plain
  /// dispatcher that does not override this is woken on every iteration,
  /// exactly as in Python.
  virtual bool writable();

  /// Opt-in for large maps: this channel promises that what readable() and
  /// writable() return changes only while one of its own handlers (or
  /// predicates) runs, or after interest_changed() is called. The loop then
  /// samples its predicates, still before waiting, only in iterations that
  /// follow such a change (the channel is new, was dispatched, or called
  /// interest_changed()) and keeps the last answer otherwise, so an idle
  /// channel costs nothing per iteration (with the epoll backend, not even
  /// a look at its slot). Off by default: as in Python, every channel's
  /// predicates are called on every iteration. dispatcher_with_send and
  /// async_chat call interest_changed() themselves when output is queued
  /// from outside their handlers (send/push from another channel).
  void set_stable_predicates(bool on = true) noexcept;
  /// Whether set_stable_predicates() is on for this channel. Turning it off
  /// turns set_announced_predicates() off too.
  bool stable_predicates() const noexcept { return stable_; }
  /// Stricter than stable predicates, for the busiest channels: what
  /// readable() and writable() return changes only when interest_changed()
  /// is called, not merely because a handler ran. The loop then samples
  /// them only after such a call: a dispatched channel costs no sampling
  /// (about a quarter of the library's instructions per echoed message).
  /// The dispatcher announces the changes of its own state (connect(),
  /// listen(), a connect completing or failing, an accept pause), and
  /// dispatcher_with_send those of its output (queued or drained, the water
  /// marks, a graceful close). A subclass whose predicates read other state,
  /// or that sets `connecting`, `connected` or `accepting` itself, must call
  /// interest_changed() when it does, wherever (a handler, a timer).
  /// async_chat does not announce its changes: keep it on
  /// set_stable_predicates(). TLS channels are sampled after every event
  /// regardless. Implies set_stable_predicates(); off by default.
  void set_announced_predicates(bool on = true) noexcept;
  /// Whether set_announced_predicates() is on for this channel.
  bool announced_predicates() const noexcept { return announced_; }
  /// Asks the loop to sample this channel's predicates before its next wait
  /// (for stable predicates whose inputs changed outside the channel's own
  /// handlers). Cheap; a no-op when not registered or not stable.
  void interest_changed() noexcept;

  // -- handlers ------------------------------------------------------------
  /// The socket is readable: data arrived, or the stream ended (recv()
  /// then returns 0, after handle_close() ran). Default: logs "unhandled
  /// read event".
  virtual void handle_read();
  /// The socket can take more data (only asked for while writable() is
  /// true). Default: logs "unhandled write event".
  virtual void handle_write();
  /// Out-of-band (priority) data arrived. Default: logs "unhandled incoming
  /// priority event".
  virtual void handle_expt();
  /// A connect() succeeded (connected is still false during this call).
  /// Default: logs "unhandled connect event".
  virtual void handle_connect();
  /// A listening channel has a connection to take. Default: accept() one
  /// connection and pass it to handle_accepted.
  virtual void handle_accept();
  /// A connection was accepted: `sock` is the new, non-blocking socket (move
  /// it into a handler, usually `make_owned<handler>(std::move(sock))`),
  /// `addr` the peer. Default: closes the socket and logs "unhandled
  /// accepted event".
  virtual void handle_accepted(asyncore::socket sock, const address& addr);
  /// The peer closed the stream or the connection broke (end of stream, a
  /// disconnect error, hang-up). Default: logs "unhandled close event" and
  /// calls close().
  virtual void handle_close();
  /// An error, with its cause: a failed connect, a socket error that is not
  /// a disconnect, an exception a hook threw, a library error such as
  /// errc::record_too_long. Default: logs "uncaptured error, closing
  /// channel <repr> (<cause>)" at type "error" and calls handle_close().
  /// Whatever this throws leaves loop().
  virtual void handle_error(const error_cause& cause);
  /// TLS (asyncore/tls.hpp): runs when a handshake started by start_tls
  /// completes, on clients and servers, also for STARTTLS; before
  /// handle_connect on a client whose connect it followed. Default: nothing.
  virtual void handle_tls_handshake();

  // -- events (the loop's entry points; overridable as in Python) ---------
  /// A read event: handle_accept() when accepting; else, while connecting,
  /// completes the connect first (handle_connect_event()); then
  /// handle_read().
  virtual void handle_read_event();
  /// A write event: nothing when accepting; while connecting, completes the
  /// connect first; then handle_write().
  virtual void handle_write_event();
  /// A priority event: a pending socket error goes to handle_error() (a
  /// failed connect) or as any error (a disconnect to handle_close());
  /// otherwise handle_expt() (out-of-band data).
  virtual void handle_expt_event();
  /// Completes a connect: reads SO_ERROR; on success calls handle_connect()
  /// and then sets connected=true (inside handle_connect, connected is still
  /// false, as in Python). On failure `connecting` becomes false and the
  /// error is returned (the loop passes it to handle_error).
  std::error_code handle_connect_event();

  // -- socket methods ----------------------------------------------------
  /// Creates a non-blocking, non-inheritable socket and registers it in this
  /// channel's map (Python's create_socket).
  void create_socket(family f, socket_type t, std::error_code& ec) {
    if (t == socket_type::dgram) detail::enable_datagrams();  // inline: see there
    open_socket(f, t, ec);
  }
  /// Takes a socket and registers it in `map` (null: this channel's map).
  void set_socket(asyncore::socket sock, socket_map* map = nullptr);
  /// Allows a fast restart of a listening server (SO_REUSEADDR on POSIX; on
  /// Windows SO_EXCLUSIVEADDRUSE, which does the same without letting another
  /// process steal the port). Errors are ignored, as in Python.
  void set_reuse_addr() noexcept;
  /// Sets addr (before binding, as Python does), then binds.
  void bind(const address& a, std::error_code& ec);
  /// Sets accepting=true, then listens.
  void listen(int backlog, std::error_code& ec);
  /// Starts a connect: connected=false, connecting=true. When the connect
  /// completes at once (AF_UNIX), handle_connect_event runs before this
  /// returns. On an immediate failure `connecting` is reset (a fix) and
  /// the error is reported.
  void connect(const address& a, std::error_code& ec);
  /// Connects by name without blocking the loop (see asyncore/resolve.hpp):
  /// connecting=true at once; the name is resolved, the socket created if
  /// there is none (of the resolved family), then connected. An unknown name,
  /// a resolver timeout or a failed connect give handle_error with the cause
  /// (errc::host_not_found, std::errc::timed_out, ...); success gives
  /// handle_connect as for connect(address). close() abandons the request.
  void connect(std::string_view host, std::uint16_t port, std::error_code& ec);
  /// One connection, or nullopt when there is none to take: would-block,
  /// a connection aborted before it was accepted, and protocol errors give
  /// nullopt with no error. Running out of descriptors or buffers gives
  /// nullopt and the error (e.g. too_many_files_open), never closes the
  /// listener, and pauses accepting briefly so the loop does not spin.
  [[nodiscard]] std::optional<accepted_socket> accept(std::error_code& ec);
  /// Sends; returns the bytes sent. Would-block returns 0. A disconnected
  /// peer calls handle_close() and returns 0. A closed channel returns 0.
  [[nodiscard]] std::size_t send(const void* data, std::size_t n, std::error_code& ec);
  /// send(data.data(), data.size(), ec).
  [[nodiscard]] std::size_t send(std::string_view data, std::error_code& ec) { return send(data.data(), data.size(), ec); }
  /// Receives up to n bytes; returns how many. 0 means "nothing now": either
  /// the socket would block (no handler runs; not an error, not EOF) or the
  /// stream ended or was reset, in which case handle_close() has run.
  [[nodiscard]] std::size_t recv(void* buf, std::size_t n, std::error_code& ec);
  /// Convenience: recv into a string (allocates).
  [[nodiscard]] std::string recv(std::size_t n, std::error_code& ec);
  /// UDP: sends one datagram to `to`; returns the bytes sent. Would-block
  /// returns 0 with no error; other errors are reported through `ec` (no
  /// handler runs). A closed channel returns 0.
  std::size_t sendto(const void* data, std::size_t n, const address& to, std::error_code& ec);
  /// UDP: receives one datagram of up to `n` bytes, its sender in `from`. A
  /// zero-length datagram is not end of stream: it returns 0 with `from`
  /// set; would-block returns 0 with `from` empty. Other errors: 0, `from`
  /// empty, the error in `ec` (no handler runs).
  [[nodiscard]] std::size_t recvfrom(void* buf, std::size_t n, address& from, std::error_code& ec);
  /// Unregisters the channel and closes its socket; clears connected,
  /// accepting and connecting. Safe to call twice, and from any handler.
  /// Errors of the socket's close are ignored, as in Python.
  virtual void close();
  /// As close(), reporting an error of the socket's close through `ec`. Not
  /// virtual: it never runs a subclass's close() (async_chat's sends what
  /// its hooks pushed first; this does not).
  void close(std::error_code& ec);

#if ASYNCORE_HAS_EXCEPTIONS
  // The throwing overloads: each is the std::error_code one above, and
  // throws std::system_error where that one would set `ec`.
  /// As create_socket(family, socket_type, std::error_code&); throws
  /// std::system_error. The defaults are Python's (AF_INET, SOCK_STREAM).
  void create_socket(family f = family::inet, socket_type t = socket_type::stream);
  /// As bind(const address&, std::error_code&); throws std::system_error.
  void bind(const address& a);
  /// As listen(int, std::error_code&); throws std::system_error.
  void listen(int backlog);
  /// As connect(const address&, std::error_code&); throws
  /// std::system_error on an immediate failure (a later one still goes to
  /// handle_error()).
  void connect(const address& a);
  /// As connect(std::string_view, std::uint16_t, std::error_code&); throws
  /// std::system_error on an immediate failure.
  void connect(std::string_view host, std::uint16_t port);
  /// As accept(std::error_code&); throws std::system_error where that one
  /// sets `ec` (would-block still gives nullopt).
  [[nodiscard]] std::optional<accepted_socket> accept();
  /// As send(const void*, std::size_t, std::error_code&); throws
  /// std::system_error (would-block and disconnects still return 0).
  [[nodiscard]] std::size_t send(const void* data, std::size_t n);
  /// send(data.data(), data.size()).
  [[nodiscard]] std::size_t send(std::string_view data) { return send(data.data(), data.size()); }
  /// As recv(void*, std::size_t, std::error_code&); throws
  /// std::system_error (would-block and end of stream still return 0).
  [[nodiscard]] std::size_t recv(void* buf, std::size_t n);
  /// As recv(std::size_t, std::error_code&); throws std::system_error.
  [[nodiscard]] std::string recv(std::size_t n);
  /// As sendto(const void*, std::size_t, const address&, std::error_code&);
  /// throws std::system_error.
  std::size_t sendto(const void* data, std::size_t n, const address& to);
  /// As recvfrom(void*, std::size_t, address&, std::error_code&); throws
  /// std::system_error.
  [[nodiscard]] std::size_t recvfrom(void* buf, std::size_t n, address& from);
#endif

  // -- time ------------------------------------------------------------------
  /// This channel's own timers (see asyncore/timer.hpp): `fn` runs once
  /// `seconds` from now, or every `period` seconds, in the loop of the map
  /// the channel is registered in (else its own map). close() and the
  /// destructor cancel them, so `fn` never runs on a closed or freed
  /// channel; what `fn` throws goes to this channel's handle_error.
  template <class F>
  timer call_later(double seconds, F&& fn) {
    return timer(detail::schedule(timer_map(), this, detail::seconds_to_us(seconds), 0,
                                  detail::task(std::forward<F>(fn))));
  }
  /// The channel's call_every (asyncore::call_every() bound to it): `fn`
  /// runs every `period` seconds, the first time one period from now, until
  /// the timer is cancelled or the channel closes.
  template <class F>
  timer call_every(double period, F&& fn) {
    const std::int64_t p = detail::seconds_to_us(period);
    return timer(detail::schedule(timer_map(), this, p, p > 0 ? p : 1, detail::task(std::forward<F>(fn))));
  }

  // -- registration --------------------------------------------------------
  /// Registers the socket in `map` (null: this channel's map).
  void add_channel(socket_map* map = nullptr);
  /// Removes the channel from its map (idempotent).
  void del_channel(socket_map* map = nullptr) noexcept;

  // -- access ----------------------------------------------------------------
  /// Python's `self.socket`.
  asyncore::socket& socket() noexcept { return socket_; }
  /// Python's `self.socket` (read-only access).
  const asyncore::socket& socket() const noexcept { return socket_; }
  /// The registered handle (Python's `_fileno`), or invalid_handle.
  native_handle_type fileno() const noexcept { return fileno_; }
  /// The map this channel uses (Python's `_map`).
  socket_map* map() const noexcept { return map_; }
  /// True while registered in a map.
  bool registered() const noexcept { return slot_ != npos; }
  /// Python's repr: "<asyncore::dispatcher listening 127.0.0.1:0 at 0x...>".
  std::string repr() const;
  /// The class name repr shows; override it in subclasses for better logs.
  virtual std::string_view type_name() const { return "asyncore::dispatcher"; }

  // -- logging ---------------------------------------------------------------
  /// Writes "log: <message>" to the log sink's stderr stream.
  virtual void log(std::string_view message);
  /// Writes "<type>: <message>" to the sink's stdout stream unless `type` is
  /// ignored (by default "warning" is: the "unhandled ..." messages are
  /// silent, as in Python).
  virtual void log_info(std::string_view message, std::string_view type = "info");
  /// Replaces the ignored log types (Python: self.ignore_log_types = ...).
  void set_ignore_log_types(std::vector<std::string> types);
  /// True when log_info() drops messages of `type` (Python: `type in
  /// self.ignore_log_types`).
  bool log_type_ignored(std::string_view type) const noexcept;

 private:
  // -- registration state: the loop's, reached through src/core.hpp ---------
  friend struct detail::core;
  friend struct detail::map_state;
  static constexpr std::uint32_t npos = 0xffffffffu;

  void adopt_socket(asyncore::socket sock, std::error_code& ec);
  void open_socket(family f, socket_type t, std::error_code& ec);  // create_socket's, datagrams enabled
  socket_map* timer_map() const noexcept { return registered_in_ ? registered_in_ : map_; }
  // Runs handle_connect_event; a failure goes to handle_error. True when the
  // channel is connected and still open, so the event may go on.
  bool complete_connect();
  // A TLS error from recv/send: to handle_error; clears `ec`.
  void tls_error(std::error_code& ec, const char* what);

  asyncore::socket socket_;
  socket_map* map_;
  socket_map* registered_in_ = nullptr;
  native_handle_type fileno_ = invalid_handle;
  std::uint32_t slot_ = npos;
  std::uint32_t closes_ = 0;          // counts close() calls (see src/core.hpp)
  detail::map_state* buried_in_ = nullptr;  // the map that will free this owned channel
  bool owned_ = false;
  bool datagram_ = false;
  bool stable_ = false;
  bool announced_ = false;
  std::int64_t accept_pause_until_ = 0;
  std::int64_t accept_pause_us_ = 0;
  std::unique_ptr<std::vector<std::string>> ignore_log_types_;
  detail::timer_node* timers_ = nullptr;  // this channel's timers (cancelled by close)
  std::shared_ptr<int> pending_resolve_;  // connect by name: dropped by close()
  detail::tls_transport* tls_ = nullptr;  // TLS (src/tls/layer.cpp): owned, freed by close()
};

/// Creates a channel owned by its map (Python's "create and forget" pattern,
/// usually inside handle_accepted). The map frees it after it closes, never
/// while one of its own handlers is running. Returns a pointer that stays
/// valid until the channel has closed and the loop has moved on; do not
/// delete it.
template <class T, class... Args>
T* make_owned(Args&&... args) {
  T* p = new T(std::forward<Args>(args)...);
  detail::adopt_owned(*p);
  return p;
}

}  // namespace asyncore

#endif  // ASYNCORE_DISPATCHER_HPP
