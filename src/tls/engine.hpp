// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the TLS engine seam.
//
// An engine is a TLS state machine over two memory buffers: it takes the
// ciphertext the channel received from `wire::in` and appends what must be
// sent to `wire::out`. It never touches a socket, calls no hook and holds no
// platform code; the channel's layer (src/tls/layer.cpp) does the socket
// I/O and maps the results to the dispatcher's events.
//
// The layer connects a wire to its socket through a `wire_port` so that
// ciphertext is not copied once more on its way (issue 13's benchmark):
// when `in` is empty, a take of at least `in_cap` bytes is read from the
// socket straight into the engine's buffer, a smaller one fills `in` first
// (one read for a small record and its header); when `out` is empty, a put
// is sent from the engine's buffer at once and only what the socket did not
// take is copied into `out`. Without a port (the fuzz harness) both are plain
// memory buffers. Either way the engine sees the same calls.
//
// Because `out` always accepts a whole record, an engine's write never
// returns want-write, so a write never has to be retried with the same
// buffer (Mbed-TLS#1539): the layer accepts plaintext only when `out` is
// empty, which also bounds it to about one record. A read that makes the
// engine write (an alert, a key update, a session ticket) just leaves bytes
// in `out`, which the layer flushes after every engine call (curl#18682).
#ifndef ASYNCORE_SRC_TLS_ENGINE_HPP
#define ASYNCORE_SRC_TLS_ENGINE_HPP

#include <asyncore/tls.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace asyncore {
namespace detail {

/// The socket side of a wire (the layer implements it; src/tls/layer.cpp).
class wire_port {
 public:
  /// Reads up to n bytes of ciphertext into dst: the count, 0 when none
  /// came (would block, end of stream or an error: the port keeps which).
  virtual std::size_t receive(char* dst, std::size_t n) noexcept = 0;
  /// Sends up to n bytes: the count the socket took, 0 when it took none
  /// (full, or an error: the port keeps it).
  virtual std::size_t transmit(const char* src, std::size_t n) noexcept = 0;

 protected:
  ~wire_port() = default;
};

/// The ciphertext buffers between a channel's socket and its engine.
struct wire {
  /// Received, not yet consumed by the engine: [in_pos, in_len) of in_buf.
  std::unique_ptr<char[]> in_buf;
  std::size_t in_cap = 0;
  std::size_t in_pos = 0;
  std::size_t in_len = 0;
  /// To send: [out_pos, out.size()). Its capacity is kept (no allocation per record).
  std::vector<char> out;
  std::size_t out_pos = 0;
  /// The socket behind `in` and `out`, or null (memory only).
  wire_port* port = nullptr;

  std::size_t in_avail() const noexcept { return in_len - in_pos; }
  std::size_t out_avail() const noexcept { return out.size() - out_pos; }
  /// The engine's pull: up to n bytes of ciphertext into dst; 0 when none is
  /// there. Held bytes first; with a port and nothing held, a pull of at
  /// least in_cap bytes reads straight into dst, a smaller one fills `in`.
  std::size_t take(char* dst, std::size_t n) noexcept {
    if (n == 0) return 0;
    if (in_avail() == 0 && port) {
      if (n >= in_cap || !in_buf) return port->receive(dst, n);
      in_pos = 0;
      in_len = port->receive(in_buf.get(), in_cap);
    }
    const std::size_t k = n < in_avail() ? n : in_avail();
    if (k) std::memcpy(dst, in_buf.get() + in_pos, k);
    in_pos += k;
    if (in_pos == in_len) in_pos = in_len = 0;
    return k;
  }
  /// The engine's push: all n bytes are taken. With a port and nothing
  /// queued they are sent at once; what the socket does not take is queued.
  void put(const char* src, std::size_t n) {
    if (out_pos == out.size()) {
      out.clear();
      out_pos = 0;
      if (port) {
        const std::size_t k = port->transmit(src, n);
        src += k;
        n -= k;
        if (n == 0) return;
      }
    }
    out.insert(out.end(), src, src + n);
  }
};

/// What an engine call came to.
enum class tls_io {
  done,       ///< completed (handshake done; bytes read or written)
  want_read,  ///< needs more ciphertext in `in`
  closed,     ///< the peer sent close_notify
  failed,     ///< fatal: see engine::failure()
};

/// A fatal engine error: the code for handle_error and the engine's reason.
struct tls_failure {
  std::error_code code;
  std::string reason;
};

/// One TLS connection.
class tls_session {
 public:
  virtual ~tls_session() = default;
  /// Advances the handshake.
  virtual tls_io handshake() = 0;
  /// Decrypts up to n bytes into buf; `got` > 0 with done.
  virtual tls_io read(void* buf, std::size_t n, std::size_t& got) = 0;
  /// Encrypts up to n bytes (at most one record); `took` bytes with done.
  virtual tls_io write(const void* data, std::size_t n, std::size_t& took) = 0;
  /// Queues close_notify in `out`.
  virtual void close_notify() = 0;
  /// True when plaintext or whole records are held inside the engine, so a
  /// read can succeed without new ciphertext.
  virtual bool pending() const = 0;
  /// The last failure (valid after tls_io::failed).
  virtual const tls_failure& failure() const = 0;
  /// The ALPN protocol agreed on, or empty.
  virtual std::string alpn() const = 0;
  /// The version agreed on, or empty.
  virtual std::string version() const = 0;
};

/// An engine's per-context state (certificates, the configuration object).
class tls_engine_context {
 public:
  virtual ~tls_engine_context() = default;
  /// A session for `host` (client: SNI and the name check) over `w`.
  virtual std::unique_ptr<tls_session> open(wire& w, const std::string& host, std::error_code& ec) = 0;
};

/// What tls_context stores, engine-independent; the engine context is made
/// from it on first use and remade after a change.
struct tls_config {
  tls_role role = tls_role::client;
  tls_engine engine = tls_engine::openssl;
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  bool verify = true;
  std::vector<std::string> alpn;
  double handshake_timeout = 30.0;
  std::shared_ptr<tls_engine_context> built;  // null after a change
};

/// The engines' factories (defined by the engine built; the others report
/// engine_unavailable through tls_available).
std::shared_ptr<tls_engine_context> make_openssl_context(const tls_config& c, std::error_code& ec, std::string& why);
std::shared_ptr<tls_engine_context> make_mbedtls_context(const tls_config& c, std::error_code& ec, std::string& why);

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_TLS_ENGINE_HPP
