// SPDX-License-Identifier: MIT
// asyncore for C++: TLS under a channel (issue 13): tls_context, start_tls,
// and the transport that the dispatcher's recv/send and the loop go through
// (the detail::tls_transport of src/core.hpp).
//
// The phases of a TLS channel:
//   connecting   start_tls came before the TCP connect completed: the loop
//                waits for writability as for any connect; the connect's end
//                starts the handshake (handle_connect comes after it);
//   handshaking  every event drives the engine; the loop waits for what the
//                engine needs (writability while ciphertext is queued, else
//                readability), whatever the channel's predicates say;
//   open         the channel's predicates rule, plus writability while
//                ciphertext is queued; a read event is made when the engine
//                holds plaintext (or whole records) with no socket event;
//   failed       the handshake failed and was reported: plain events only.
// No hook is called with the transport's state half-updated, and nothing of
// the transport is touched after a hook returned (close() frees it).
#include <asyncore/dispatcher.hpp>
#include <asyncore/tls.hpp>

#include "../core.hpp"
#include "../map_state.hpp"
#include "../poller.hpp"
#include "engine.hpp"

#include <fstream>
#include <sstream>
#include <utility>

namespace asyncore {

// -- errors -----------------------------------------------------------------------

namespace {

class tls_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "asyncore.tls"; }
  std::string message(int v) const override {
    switch (static_cast<tls_errc>(v)) {
      case tls_errc::handshake_failed:
        return "handshake_failed";
      case tls_errc::certificate_verify_failed:
        return "certificate_verify_failed";
      case tls_errc::handshake_timeout:
        return "handshake_timeout";
      case tls_errc::handshake_eof:
        return "handshake_eof: the peer closed the connection during the TLS handshake";
      case tls_errc::protocol_error:
        return "protocol_error";
      case tls_errc::bad_configuration:
        return "bad_configuration";
      case tls_errc::engine_unavailable:
        return "engine_unavailable: this TLS engine is not built into the library";
      case tls_errc::invalid_state:
        return "invalid_state: the channel cannot start TLS now";
    }
    return "unknown TLS error";
  }
};

}  // namespace

const std::error_category& tls_category() noexcept {
  static const tls_category_impl c;
  return c;
}

bool tls_available(tls_engine e) noexcept {
  switch (e) {
    case tls_engine::automatic:
      return ASYNCORE_TLS_OPENSSL || ASYNCORE_TLS_MBEDTLS;
    case tls_engine::openssl:
      return ASYNCORE_TLS_OPENSSL;
    case tls_engine::mbedtls:
      return ASYNCORE_TLS_MBEDTLS;
  }
  return false;
}

const char* tls_engine_name(tls_engine e) noexcept {
  switch (e) {
    case tls_engine::openssl:
      return "openssl";
    case tls_engine::mbedtls:
      return "mbedtls";
    case tls_engine::automatic:
      break;
  }
  return "automatic";
}

// -- tls_context ------------------------------------------------------------------

tls_context::tls_context(tls_role role, tls_engine engine) : config_(std::make_shared<detail::tls_config>()) {
  config_->role = role;
  if (engine == tls_engine::automatic) engine = ASYNCORE_TLS_OPENSSL ? tls_engine::openssl : tls_engine::mbedtls;
  config_->engine = engine;
  config_->verify = role == tls_role::client;
}

tls_context::~tls_context() = default;

tls_role tls_context::role() const noexcept { return config_->role; }
tls_engine tls_context::engine() const noexcept { return config_->engine; }

namespace {

bool read_file(const std::string& path, std::string& out, std::error_code& ec) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ec = std::make_error_code(std::errc::no_such_file_or_directory);
    return false;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) {
    ec = std::make_error_code(std::errc::io_error);
    return false;
  }
  out = ss.str();
  return true;
}

bool looks_pem(std::string_view s) { return s.find("-----BEGIN ") != std::string_view::npos; }

}  // namespace

void tls_context::load_ca_pem(std::string_view pem, std::error_code& ec) {
  ec.clear();
  if (!looks_pem(pem)) {
    ec = make_error_code(tls_errc::bad_configuration);
    return;
  }
  config_->ca_pem.append(pem.data(), pem.size());
  config_->ca_pem += '\n';
  config_->built.reset();
}

void tls_context::load_ca_file(const std::string& path, std::error_code& ec) {
  ec.clear();
  std::string pem;
  if (!read_file(path, pem, ec)) return;
  load_ca_pem(pem, ec);
}

void tls_context::use_certificate_pem(std::string_view cert_pem, std::string_view key_pem, std::error_code& ec) {
  ec.clear();
  if (!looks_pem(cert_pem) || !looks_pem(key_pem)) {
    ec = make_error_code(tls_errc::bad_configuration);
    return;
  }
  config_->cert_pem.assign(cert_pem.data(), cert_pem.size());
  config_->key_pem.assign(key_pem.data(), key_pem.size());
  config_->built.reset();
}

void tls_context::use_certificate_file(const std::string& cert_path, const std::string& key_path,
                                       std::error_code& ec) {
  ec.clear();
  std::string cert, key;
  if (!read_file(cert_path, cert, ec) || !read_file(key_path, key, ec)) return;
  use_certificate_pem(cert, key, ec);
}

void tls_context::set_verify(bool on) noexcept {
  config_->verify = on;
  config_->built.reset();
}
bool tls_context::verify() const noexcept { return config_->verify; }

void tls_context::set_alpn(std::vector<std::string> protocols) {
  config_->alpn = std::move(protocols);
  config_->built.reset();
}

void tls_context::set_handshake_timeout(double seconds) noexcept { config_->handshake_timeout = seconds; }
double tls_context::handshake_timeout() const noexcept { return config_->handshake_timeout; }

void tls_context::prepare(std::error_code& ec) {
  ec.clear();
  detail::tls_config& c = *config_;
  if (c.built) return;
  if (!tls_available(c.engine)) {
    ec = make_error_code(tls_errc::engine_unavailable);
    return;
  }
  reason_.clear();
  std::shared_ptr<detail::tls_engine_context> built;
#if ASYNCORE_TLS_OPENSSL
  if (c.engine == tls_engine::openssl) built = detail::make_openssl_context(c, ec, reason_);
#endif
#if ASYNCORE_TLS_MBEDTLS
  if (c.engine == tls_engine::mbedtls) built = detail::make_mbedtls_context(c, ec, reason_);
#endif
  if (!built) {
    if (!ec) ec = make_error_code(tls_errc::bad_configuration);
    return;
  }
  c.built = std::move(built);
}

// -- the transport ----------------------------------------------------------------------

namespace detail {
namespace {

// The ciphertext read ahead of the engine (wire::in): one socket read holds
// a small record whole (a 1 KiB message's is 1,045 to 1,050 bytes) and a
// large record's header; a large record's body is read straight into the
// engine's buffer (wire::take), so at most this much of it is copied.
constexpr std::size_t in_capacity = 2 * 1024;
constexpr std::size_t max_plain_write = 16 * 1024;  // one record per send

bool would_block(const std::error_code& ec) {
  return ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again ||
         ec == std::errc::interrupted;
}

class tls_channel final : public tls_transport, public wire_port {
 public:
  enum class phase : std::uint8_t { connecting, handshaking, open, failed };
  /// What the last socket read through the port came to.
  enum class rx : std::uint8_t { none, data, would_block, end, error };

  std::shared_ptr<tls_engine_context> ctx;  // declared first: outlives the session
  wire w;
  std::unique_ptr<tls_session> s;
  phase ph = phase::handshaking;
  bool announce_connect = false;  // handle_connect after the handshake
  bool kick = true;               // the handshake has not been driven yet
  bool starved = false;           // the engine wants ciphertext and the socket had none
  bool peer_closed = false;       // close_notify or end of stream seen
  bool notify_received = false;   // the peer's close_notify
  bool notify_sent = false;       // ours (tls_shutdown)
  bool user_r = false;
  bool user_w = false;
  rx rx_state = rx::none;
  std::error_code rx_error;  // with rx::error
  std::error_code tx_error;  // a send through the port failed: every later flush reports it
  dispatcher* owner = nullptr;
  timer hs_timer;

  // The wire's socket side (wire_port): the engine's reads and writes of
  // ciphertext reach the socket from inside its calls, without a copy.
  std::size_t receive(char* dst, std::size_t n) noexcept override {
    std::error_code ec;
    const std::size_t k = owner->socket().recv(dst, n, ec);
    if (ec) {
      rx_state = would_block(ec) ? rx::would_block : rx::error;
      rx_error = ec;
      return 0;
    }
    if (k == 0) {
      rx_state = rx::end;
      return 0;
    }
    rx_state = rx::data;
    starved = false;
    return k;
  }

  std::size_t transmit(const char* src, std::size_t n) noexcept override {
    if (tx_error) return 0;
    std::error_code ec;
    const std::size_t k = owner->socket().send(src, n, ec);
    if (ec) {
      if (!would_block(ec)) tx_error = ec;
      return 0;
    }
    return k;
  }

  // After an engine call that wants ciphertext: reads some into `in` when
  // the engine did not get as far as the socket itself (it stopped at a
  // record that needs no answer, with or without more held). Returns what
  // the last read came to.
  rx after_want_read() {
    if (rx_state != rx::none) return rx_state;
    if (w.in_avail() != 0 && ++idle_spins < 64) return rx::data;  // the engine takes from `in` first
    if (w.in_avail() == 0) w.in_pos = w.in_len = 0;
    if (w.in_len == w.in_cap) return rx::would_block;  // not reached: the engine takes what is held
    w.in_len += receive(w.in_buf.get() + w.in_len, w.in_cap - w.in_len);
    return rx_state;
  }
  unsigned idle_spins = 0;

  // Sends queued ciphertext until it is all gone or the socket is full
  // (not an error); other errors in `ec`.
  void flush(std::error_code& ec) {
    ec.clear();
    if (tx_error) {
      // Kept: a hard send error ends the connection's output, and the calls
      // that flush only to push a record out (send, recv) leave it for the
      // next call that reports (send, the write event, the handshake).
      ec = tx_error;
      return;
    }
    while (w.out_avail() != 0) {
      const std::size_t n = transmit(w.out.data() + w.out_pos, w.out_avail());
      if (tx_error) {
        ec = tx_error;
        return;
      }
      if (n == 0) return;  // full: the rest goes at the next write event
      w.out_pos += n;
    }
    w.out.clear();
    w.out_pos = 0;
  }

  std::size_t recv(dispatcher& /*d*/, void* buf, std::size_t n, std::error_code& ec) override {
    ec.clear();
    if (ph != phase::open) {
      ec = ph == phase::failed ? s->failure().code : std::make_error_code(std::errc::operation_would_block);
      return 0;
    }
    if (peer_closed || n == 0) return 0;
    idle_spins = 0;
    for (;;) {
      std::size_t got = 0;
      rx_state = rx::none;
      const tls_io r = s->read(buf, n, got);
      std::error_code fe;
      if (w.out_avail() != 0) flush(fe);  // what the read made the engine write
      switch (r) {
        case tls_io::done:
          return got;
        case tls_io::closed:
          peer_closed = true;
          notify_received = true;
          return 0;
        case tls_io::failed:
          ph = phase::failed;
          ec = s->failure().code;
          return 0;
        case tls_io::want_read:
          break;
      }
      switch (after_want_read()) {
        case rx::data:
        case rx::none:
          break;
        case rx::would_block:
          starved = true;
          ec = std::make_error_code(std::errc::operation_would_block);
          return 0;
        case rx::end:  // end of stream without close_notify: an end all the same
          peer_closed = true;
          return 0;
        case rx::error:
          ec = rx_error;
          return 0;
      }
    }
  }

  std::size_t send(dispatcher& /*d*/, const void* data, std::size_t n, std::error_code& ec) override {
    ec.clear();
    if (ph != phase::open) {
      ec = ph == phase::failed ? s->failure().code : std::make_error_code(std::errc::operation_would_block);
      return 0;
    }
    if (notify_sent) {
      ec = make_error_code(tls_errc::invalid_state);
      return 0;
    }
    flush(ec);
    if (ec) return 0;
    if (w.out_avail() != 0) {  // the last record is still going out
      ec = std::make_error_code(std::errc::operation_would_block);
      return 0;
    }
    if (n == 0) return 0;
    std::size_t took = 0;
    const tls_io r = s->write(data, n < max_plain_write ? n : max_plain_write, took);
    if (r == tls_io::failed) {
      ph = phase::failed;
      ec = s->failure().code;
      return 0;
    }
    if (r != tls_io::done) {
      ec = std::make_error_code(std::errc::operation_would_block);
      return 0;
    }
    std::error_code fe;
    flush(fe);  // a hard error shows at the next call (nothing is left out)
    return took;
  }

  unsigned sample(dispatcher& d, bool r, bool wr, unsigned want, bool& ready_now) override {
    switch (ph) {
      case phase::connecting:
        return d.connecting ? want | pollout : want;
      case phase::handshaking:
        return (kick || w.out_avail() != 0) ? pollout : pollin;
      case phase::open:
        user_r = r;
        user_w = wr;
        if (w.out_avail() != 0) want |= pollout;
        // Not while starved: the engine may hold part of a record (mbedTLS
        // counts it as pending), which no read completes until more comes.
        ready_now = r && !peer_closed && !starved && (s->pending() || w.in_avail() != 0);
        // The loop then adds a read event after its wait, through this
        // pointer: code without TLS never links that merge (src/map_state.hpp).
        if (ready_now) core::state(*core::registered_in(d)).merge_tls = &merge_tls_ready;  // sampled: registered
        return want;
      case phase::failed:
        break;
    }
    return want;
  }

  unsigned event(dispatcher& d, unsigned flags) override {
    switch (ph) {
      case phase::connecting: {
        if (!d.connecting) return flags;  // connect() not called yet
        if (!(flags & (pollout | pollhup | pollerr))) return 0;
        const std::error_code err = d.socket().pending_error();
        if (err) {
          ph = phase::failed;
          d.connecting = false;
          d.handle_error(error_cause{err, nullptr, "connect failed: " + error_text(err)});
          return 0;
        }
        ph = phase::handshaking;
        return drive(d);
      }
      case phase::handshaking:
        return drive(d);
      case phase::open: {
        if (flags & pollin) starved = false;
        if (flags & pollout) {
          std::error_code ec;
          flush(ec);
          if (ec) {
            core::deliver_error(d, ec, "send");
            return 0;
          }
          if (w.out_avail() != 0 || !user_w) flags &= ~static_cast<unsigned>(pollout);
        }
        if (!user_r) flags &= ~static_cast<unsigned>(pollin | pollpri);
        return flags;
      }
      case phase::failed:
        break;
    }
    return flags;
  }

  // Runs the handshake as far as the socket allows.
  unsigned drive(dispatcher& d) {
    kick = false;
    idle_spins = 0;
    for (;;) {
      std::error_code ec;
      flush(ec);
      if (ec) return fail(d, ec, "the TLS handshake's send failed: " + error_text(ec));
      if (w.out_avail() != 0) return 0;  // wait for writability
      rx_state = rx::none;
      const tls_io r = s->handshake();
      if (r == tls_io::done) {
        flush(ec);  // its errors show at the next read or write
        return established(d);
      }
      if (r == tls_io::failed) {
        flush(ec);  // the alert, if the socket takes it
        const tls_failure f = s->failure();
        return fail(d, f.code, "TLS handshake failed: " + error_text(f.code) + ": " + f.reason);
      }
      if (r == tls_io::closed) return fail(d, make_error_code(tls_errc::handshake_eof), "TLS handshake failed: " +
                                                   make_error_code(tls_errc::handshake_eof).message());
      if (w.out_avail() != 0) continue;  // send the flight first
      switch (after_want_read()) {
        case rx::data:
        case rx::none:
          break;
        case rx::would_block:
          return 0;
        case rx::error:
          return fail(d, make_error_code(tls_errc::handshake_eof),
                      "TLS handshake failed: the connection broke: " + error_text(rx_error));
        case rx::end:
          return fail(d, make_error_code(tls_errc::handshake_eof),
                      "TLS handshake failed: " + make_error_code(tls_errc::handshake_eof).message());
      }
    }
  }

  unsigned established(dispatcher& d) {
    ph = phase::open;
    hs_timer.cancel();
    const bool announce = announce_connect;
    announce_connect = false;
    // From here on `this` may be freed by the hooks (close()).
    const open_watch watch(d);
    d.handle_tls_handshake();
    if (watch.closed() || !announce) return 0;
    d.connecting = false;
    d.handle_connect();
    if (!watch.closed()) d.connected = true;
    return 0;
  }

  unsigned fail(dispatcher& d, const std::error_code& code, std::string what) {
    ph = phase::failed;
    hs_timer.cancel();
    d.connecting = false;
    d.handle_error(error_cause{code, nullptr, std::move(what)});  // `this` may be gone after it
    return 0;
  }

  void timed_out(dispatcher& d) {
    if (ph != phase::connecting && ph != phase::handshaking) return;
    const std::error_code code = make_error_code(tls_errc::handshake_timeout);
    fail(d, code, "TLS handshake failed: handshake_timeout: no handshake within the timeout");
  }

  void shutdown(dispatcher& d) noexcept override {
    if (ph != phase::open || notify_sent || !d.socket().is_open()) return;
#if ASYNCORE_HAS_EXCEPTIONS
    try {
#endif
      s->close_notify();
      notify_sent = true;  // once: a graceful close sends it before close() does
      std::error_code ignored;
      flush(ignored);
#if ASYNCORE_HAS_EXCEPTIONS
    } catch (...) {  // out of memory queueing the alert: close without it
    }
#endif
  }

  std::string describe(const char* what, const std::error_code& ec) const override {
    std::string text = std::string(what) + ": " + error_text(ec);
    if (ec.category() == tls_category() && s && !s->failure().reason.empty()) text += ": " + s->failure().reason;
    return text;
  }
};

tls_channel* channel_of(const dispatcher& d) noexcept {
  // Every transport is a tls_channel (this file makes them all).
  return static_cast<tls_channel*>(const_cast<tls_transport*>(core::tls(d)));
}

}  // namespace
}  // namespace detail

void start_tls(dispatcher& d, tls_context& ctx, std::string_view host, std::error_code& ec) {
  ec.clear();
  if (detail::core::tls(d) || !d.socket().is_open() || d.accepting) {
    ec = make_error_code(tls_errc::invalid_state);
    return;
  }
  detail::tls_config& c = detail::core::tls_settings(ctx);
  if (!tls_available(c.engine)) {
    ec = make_error_code(tls_errc::engine_unavailable);
    return;
  }
  if (c.role == tls_role::client && c.verify && host.empty()) {
    ec = std::make_error_code(std::errc::invalid_argument);  // nothing to check the certificate against
    return;
  }
  ctx.prepare(ec);
  if (ec) {
    d.log_info("TLS configuration failed: " + ctx.error_reason(), "error");
    return;
  }
  std::unique_ptr<detail::tls_channel> t(new detail::tls_channel);
  t->owner = &d;
  t->w.port = t.get();
  t->w.in_buf.reset(new char[detail::in_capacity]);
  t->w.in_cap = detail::in_capacity;
  t->ctx = c.built;
  t->s = t->ctx->open(t->w, std::string(host), ec);
  if (ec || !t->s) {
    if (!ec) ec = make_error_code(tls_errc::bad_configuration);
    return;
  }
  if (d.connected) {
    t->ph = detail::tls_channel::phase::handshaking;  // accepted, or STARTTLS
  } else {
    t->ph = detail::tls_channel::phase::connecting;  // connect() comes, or is in flight
    t->announce_connect = true;
  }
  detail::tls_channel* raw = t.release();
  detail::core::tls(d) = raw;
  if (c.handshake_timeout > 0) {
    dispatcher* dp = &d;
    raw->hs_timer = d.call_later(c.handshake_timeout, [dp] {
      if (detail::core::tls(*dp)) detail::channel_of(*dp)->timed_out(*dp);
    });
  }
  d.interest_changed();
}

#if ASYNCORE_HAS_EXCEPTIONS
void start_tls(dispatcher& d, tls_context& ctx, std::string_view host) {
  std::error_code ec;
  start_tls(d, ctx, host, ec);
  detail::throw_if(ec, "start_tls");
}
#endif

void tls_shutdown(dispatcher& d, std::error_code& ec) {
  ec.clear();
  if (!tls_established(d)) {
    ec = make_error_code(tls_errc::invalid_state);
    return;
  }
  detail::tls_channel* t = detail::channel_of(d);
  if (t->notify_sent) return;
  t->s->close_notify();
  t->notify_sent = true;
  t->flush(ec);  // the rest goes out on writability (the loop waits for it)
  d.interest_changed();
}

bool tls_close_notify_received(const dispatcher& d) noexcept {
  return detail::core::tls(d) && detail::channel_of(d)->notify_received;
}

bool tls_active(const dispatcher& d) noexcept { return detail::core::tls(d) != nullptr; }

bool tls_established(const dispatcher& d) noexcept {
  return detail::core::tls(d) && detail::channel_of(d)->ph == detail::tls_channel::phase::open;
}

std::string tls_alpn_protocol(const dispatcher& d) {
  return tls_established(d) ? detail::channel_of(d)->s->alpn() : std::string();
}

std::string tls_version(const dispatcher& d) {
  return tls_established(d) ? detail::channel_of(d)->s->version() : std::string();
}

}  // namespace asyncore
