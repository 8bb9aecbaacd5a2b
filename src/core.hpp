// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the library's access to its own state behind
// the public headers, and the one lifetime rule.
//
// Public headers show only what applications may use. What the loop, the
// registry and the channel classes share (a map's slots and pollers, a
// channel's registration and close count) is reached through `core`, the
// one friend of socket_map and dispatcher, so a reader can find every use
// of the internals by looking for `core::`.
//
// The lifetime rule (DESIGN.md section 8; the README's "Re-entrancy"):
//
//   Library code calls user code (a hook, a predicate, producer::more()) only
//   after it has settled its own state: it holds no reference, pointer or
//   iterator into its queues, and no half-updated member, across the call.
//   After the call it reads its state again, and stops if the channel closed
//   (open_watch), because no hook runs on a channel after it closed. Errors
//   found while settling are reported (handle_close, handle_error) last.
//
// A hook may therefore push, close itself or another channel, poll its own
// map (nested iterations run; nested reads of the same channel append to the
// input being framed, as in CPython), and delete another channel the map
// owns: the map frees owned channels only when no iteration is running.
#ifndef ASYNCORE_SRC_CORE_HPP
#define ASYNCORE_SRC_CORE_HPP

#include <asyncore/dispatcher.hpp>
#include <asyncore/socket_map.hpp>
#include <asyncore/tls.hpp>

#include "platform.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

// Inline copies of the per-message case, for speed: the loop dispatching a
// lone read or write event in place, a send from the caller's bytes in one
// platform call. Each does what the general path would. A size-first build
// (-Os: the firmware presets, ports/cortex-m4/Makefile) leaves them out;
// -DASYNCORE_FAST_PATHS=0/1 decides otherwise.
#ifndef ASYNCORE_FAST_PATHS
#if defined(__OPTIMIZE_SIZE__)
#define ASYNCORE_FAST_PATHS 0
#else
#define ASYNCORE_FAST_PATHS 1
#endif
#endif

namespace asyncore {
namespace detail {

constexpr bool fast_paths = ASYNCORE_FAST_PATHS != 0;

struct map_state;
struct timer_node;

/// True if `ec` is equivalent to one of the `n` conditions in `list` (the
/// same test as `ec == list[0] || ec == list[1] ...`, in one shared loop
/// instead of a comparison stamped out per condition: src/error.cpp).
bool is_any_of(const std::error_code& ec, const std::errc* list, std::size_t n) noexcept;
template <std::size_t N>
bool is_any_of(const std::error_code& ec, const std::errc (&list)[N]) noexcept {
  return is_any_of(ec, list, N);
}

/// TLS under a channel (issue 13; implemented in src/tls/layer.cpp, only in
/// builds with TLS). A channel without TLS has a null pointer, and the only
/// cost on its path is that test: no virtual call, no other branch.
struct tls_transport {
  virtual ~tls_transport() = default;
  /// The socket's recv/send, through the engine (plaintext; would-block,
  /// end of stream and errors as a socket reports them). Call no hook.
  virtual std::size_t recv(dispatcher& d, void* buf, std::size_t n, std::error_code& ec) = 0;
  virtual std::size_t send(dispatcher& d, const void* data, std::size_t n, std::error_code& ec) = 0;
  /// The loop's sampling: the interest to wait for, given the channel's own
  /// predicates `r`/`w` and the interest made of them; `ready_now` when
  /// plaintext is held already (the loop then dispatches a read event; the
  /// transport sets map_state::merge_tls, which adds it).
  virtual unsigned sample(dispatcher& d, bool r, bool w, unsigned want, bool& ready_now) = 0;
  /// An event for the channel: drives the handshake, flushes ciphertext;
  /// returns the events left for the channel's own hooks. May call hooks
  /// (handle_connect, handle_tls_handshake, handle_error), after which the
  /// transport may be gone (close() frees it).
  virtual unsigned event(dispatcher& d, unsigned flags) = 0;
  /// close(): queues close_notify and sends what the socket takes now.
  virtual void shutdown(dispatcher& d) noexcept = 0;
  /// The text for handle_error of an error from recv/send: "<what>: <reason>".
  virtual std::string describe(const char* what, const std::error_code& ec) const = 0;
};

struct core {
  static map_state& state(socket_map& m) noexcept { return *m.state_; }
  static const map_state& state(const socket_map& m) noexcept { return *m.state_; }

  /// Counts close() calls on a channel (see open_watch).
  static std::uint32_t closes(const dispatcher& d) noexcept { return d.closes_; }
  /// The map the channel is registered in (null when not registered); its
  /// construction map is dispatcher::map().
  static socket_map* registered_in(const dispatcher& d) noexcept { return d.registered_in_; }
  /// The map a channel reads through: the one it is registered in, else its own.
  static socket_map& home(const dispatcher& d) noexcept { return d.registered_in_ ? *d.registered_in_ : *d.map_; }
  /// The head of the channel's own timers (src/timers.cpp).
  static timer_node*& timers(dispatcher& d) noexcept { return d.timers_; }
  /// make_owned's half: marks the channel as freed by its map after it closes.
  static void mark_owned(dispatcher& d) noexcept { d.owned_ = true; }
  static std::int64_t accept_paused_until(const dispatcher& d) noexcept { return d.accept_pause_until_; }
  /// set_announced_predicates() is on.
  static bool announced(const dispatcher& d) noexcept { return d.announced_; }
  /// The channel's TLS transport, null without TLS (src/tls/layer.cpp sets it).
  static tls_transport*& tls(dispatcher& d) noexcept { return d.tls_; }
  static const tls_transport* tls(const dispatcher& d) noexcept { return d.tls_; }
  /// A TLS context's engine-independent settings (src/tls/engine.hpp).
  static tls_config& tls_settings(tls_context& c) noexcept { return *c.config_; }
  /// The stream read of the channel's socket, through TLS when it has it.
  /// Per message: one call into the platform layer, not through socket.
  static std::size_t stream_recv(dispatcher& d, void* buf, std::size_t n, std::error_code& ec) {
    return d.tls_ ? d.tls_->recv(d, buf, n, ec) : platform::recv(d.socket_.native_handle(), buf, n, ec);
  }
  /// The end of the channel's sending side: TLS's close_notify over a TLS
  /// channel (its close() then adds the FIN), else the socket's shutdown.
  static void stream_shutdown(dispatcher& d, std::error_code& ec) {
    ec.clear();
    if (d.tls_) {
      d.tls_->shutdown(d);
    } else {
      d.socket_.shutdown(shutdown_type::send, ec);
    }
  }
  /// Python's mapping of an error to a hook: disconnects to handle_close,
  /// anything else to handle_error.
  static void deliver_error(dispatcher& d, const std::error_code& ec, const char* what);

  /// The output queues' send loop: sends [p, p+n) until all went, the socket
  /// would block (not an error), `budget` is spent or an error occurs (in
  /// `ec`), each send() at most `chunk` bytes; returns the bytes sent and
  /// lowers `budget` by them. Calls no hook: the caller settles its queue
  /// first and reports `ec` after (the lifetime rule).
  static std::size_t transmit(dispatcher& d, const char* p, std::size_t n, std::size_t chunk, std::size_t& budget,
                              std::error_code& ec);
  /// transmit() for the per-message case, inline where it is used (a plain
  /// channel's send from the caller's bytes): without TLS, when one send
  /// may take it all, one call into the platform layer (fast_paths).
  static std::size_t transmit_direct(dispatcher& d, const char* p, std::size_t n, std::size_t chunk,
                                     std::size_t& budget, std::error_code& ec) {
    if (fast_paths && !d.tls_ && n != 0 && n <= chunk && n <= budget && d.socket_) {
      const std::size_t sent = platform::send(d.socket_.native_handle(), p, n, false, ec);
      if (ec) return send_failed(ec);
      budget -= sent;
      return sent;
    }
    return transmit(d, p, n, chunk, budget, ec);
  }
  /// transmit's end after a failed send: would-block is no error (0 sent).
  static std::size_t send_failed(std::error_code& ec) noexcept;
};

/// Watches a channel across a call into user code: closed() is true once the
/// channel closed (or closed and reopened) after the watch began.
class open_watch {
 public:
  explicit open_watch(const dispatcher& d) noexcept : d_(d), closes_(core::closes(d)) {}
  bool closed() const noexcept { return core::closes(d_) != closes_; }
  /// Starts watching again from now.
  void rearm() noexcept { closes_ = core::closes(d_); }

 private:
  const dispatcher& d_;
  std::uint32_t closes_;
};

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_CORE_HPP
