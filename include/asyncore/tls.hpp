// SPDX-License-Identifier: MIT
// asyncore for C++: TLS under any channel (issue 13).
//
// TLS is a transport layer under the dispatcher: once start_tls() has been
// called on a channel, its recv()/send() (and therefore dispatcher_with_send
// and async_chat) carry plaintext through a TLS engine, and the loop asks the
// engine what the channel waits for. The channel's hooks keep their meaning
// and see plaintext only:
//
//  - handle_connect runs after the handshake completes when start_tls() was
//    called before the TCP connect completed (a client made for TLS);
//  - handle_tls_handshake runs when a handshake completes, on both sides and
//    also for STARTTLS in the middle of a connection;
//  - handle_read runs when decrypted bytes are available, also when the
//    engine already holds them and the socket has no event;
//  - handle_close runs after the peer's close_notify, or end of stream;
//  - handle_error gets a tls_errc code (tls_category()) and the engine's
//    reason for handshake and verification failures and for protocol errors
//    (certificate_verify_failed: "... (hostname mismatch)", ...);
//  - the handshake times out (handle_error with handshake_timeout) after
//    tls_context::set_handshake_timeout seconds (default 30).
//
// During the handshake the channel's own readable()/writable() are still
// called, but the loop waits for what the engine needs, and no read or
// write hook runs. Output sent (or queued) before the handshake completes
// goes out after it. close() sends close_notify (one attempt, non-blocking).
//
//     asyncore::tls_context ctx(asyncore::tls_role::client);
//     ctx.load_ca_file("ca.pem", ec);
//     client c;                              // any dispatcher subclass
//     c.create_socket(asyncore::family::inet);
//     c.connect(asyncore::address("127.0.0.1", port));
//     asyncore::start_tls(c, ctx, "localhost", ec);  // handle_connect after the handshake
//
// Two engines: OpenSSL 3 and mbedTLS (2.28 on Debian 12: TLS 1.2 only).
// Which are built is CMake's ASYNCORE_TLS (auto, openssl, mbedtls, off);
// tls_available() says which one a context may ask for.
#ifndef ASYNCORE_TLS_HPP
#define ASYNCORE_TLS_HPP

#include <asyncore/config.hpp>
#include <asyncore/error.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace asyncore {

class dispatcher;

/// TLS errors (category name "asyncore.tls"). The error_cause passed to
/// handle_error carries the engine's own reason in its `what`.
enum class tls_errc {
  /// The handshake failed (no shared cipher or version, bad message, an alert from the peer...).
  handshake_failed = 1,
  /// The peer's certificate was not accepted: untrusted CA, expired, wrong host name.
  certificate_verify_failed,
  /// The handshake did not complete in tls_context::handshake_timeout seconds.
  handshake_timeout,
  /// The peer closed the connection before the handshake completed.
  handshake_eof,
  /// A record could not be decrypted or parsed after the handshake (garbage, a bad MAC).
  protocol_error,
  /// The context's certificates, key or CA list could not be loaded.
  bad_configuration,
  /// No TLS engine of the requested kind is built into this library.
  engine_unavailable,
  /// start_tls on a channel that has no socket, is listening, or already has TLS.
  invalid_state,
};

/// The category of tls_errc.
ASYNCORE_API const std::error_category& tls_category() noexcept;

/// Makes a std::error_code of tls_category().
inline std::error_code make_error_code(tls_errc e) noexcept { return {static_cast<int>(e), tls_category()}; }

/// Which side of the handshake a context is for.
enum class tls_role {
  client,  ///< connects, sends SNI, verifies the server (on by default)
  server,  ///< accepts, presents its certificate, verifies clients only when asked
};

/// The TLS library that implements a context's connections.
enum class tls_engine {
  automatic,  ///< the first built: OpenSSL if built, else mbedTLS
  openssl,    ///< OpenSSL 3 (Linux)
  mbedtls,    ///< mbedTLS
};

/// True when `e` is built into this library (automatic: any engine is).
ASYNCORE_API bool tls_available(tls_engine e = tls_engine::automatic) noexcept;
/// "openssl", "mbedtls" or "automatic".
ASYNCORE_API const char* tls_engine_name(tls_engine e) noexcept;

namespace detail {
/// Internal: a context's settings (src/tls/engine.hpp).
struct tls_config;
struct core;
}  // namespace detail

/// Settings shared by many TLS channels (Python's ssl.SSLContext): the role,
/// CA certificates, the own certificate and key, verification (on by
/// default, with the host name check and SNI on clients), ALPN, and TLS 1.2
/// as the minimum version. Changing a context affects the channels started
/// afterwards. A context must outlive its channels' start_tls calls; the
/// channels keep what they need.
class ASYNCORE_API tls_context {
 public:
  /// A context for `role`, implemented by `engine`.
  explicit tls_context(tls_role role, tls_engine engine = tls_engine::automatic);
  /// Frees the engine's configuration once no channel made with it is left.
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// The role given at construction.
  tls_role role() const noexcept;
  /// The engine that implements this context (never automatic).
  tls_engine engine() const noexcept;

  /// Trusts the PEM certificates in `path` (appended to those loaded before).
  /// A file that cannot be read gives std::errc::no_such_file_or_directory
  /// (or the reading error); one that does not parse, tls_errc::bad_configuration.
  void load_ca_file(const std::string& path, std::error_code& ec);
  /// Trusts the PEM certificates in `pem`.
  void load_ca_pem(std::string_view pem, std::error_code& ec);
  /// This side's certificate (a PEM chain, leaf first) and private key (PEM).
  void use_certificate_file(const std::string& cert_path, const std::string& key_path, std::error_code& ec);
  /// As use_certificate_file, from memory.
  void use_certificate_pem(std::string_view cert_pem, std::string_view key_pem, std::error_code& ec);
  /// Verification of the peer's certificate. Clients: on by default (the
  /// server must present a certificate that chains to a loaded CA, is valid
  /// now and names the host given to start_tls). Servers: off by default;
  /// on means a client certificate is required and verified.
  void set_verify(bool on) noexcept;
  /// True when the peer's certificate is verified.
  bool verify() const noexcept;
  /// ALPN protocols, most preferred first ("http/1.1", "h2"). A client
  /// offers them; a server picks the first of its own that the client offers.
  void set_alpn(std::vector<std::string> protocols);
  /// Seconds a handshake may take before handle_error(handshake_timeout);
  /// 0 or less: no limit. Default 30.
  void set_handshake_timeout(double seconds) noexcept;
  /// The current handshake timeout in seconds.
  double handshake_timeout() const noexcept;

  /// Makes the engine's configuration from the settings now (start_tls does
  /// it on first use): reports a certificate, key or CA list the engine does
  /// not accept (tls_errc::bad_configuration; the engine's reason in
  /// error_reason()) before any connection is made.
  void prepare(std::error_code& ec);
  /// The engine's reason for the last bad_configuration, or empty.
  const std::string& error_reason() const noexcept { return reason_; }

 private:
  friend struct detail::core;  // the TLS layer reads the settings (src/core.hpp)
  std::shared_ptr<detail::tls_config> config_;
  std::string reason_;
};

/// Makes `d` a TLS channel. Call it on a client after create_socket and
/// before or right after connect() (handle_connect then runs after the
/// handshake), on a server's accepted channel (the handshake starts at
/// once), or on a connected channel at any time for STARTTLS (after the
/// plain-text exchange; bytes the peer sent before its first TLS record must
/// have been read). `host` is the name a client sends (SNI) and checks the
/// server's certificate against; a client that verifies needs one. Errors:
/// tls_errc::invalid_state, engine_unavailable, bad_configuration (in `ec`;
/// the channel is unchanged). A handshake failure later goes to
/// handle_error.
ASYNCORE_API void start_tls(dispatcher& d, tls_context& ctx, std::string_view host, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
/// As above; throws std::system_error.
ASYNCORE_API void start_tls(dispatcher& d, tls_context& ctx, std::string_view host = {});
#endif

/// Sends close_notify now and keeps the channel open for reading: the
/// peer's remaining data and its close_notify still arrive (handle_read,
/// then handle_close). A send() after it fails with tls_errc::invalid_state
/// (handle_error). For a client that has sent all it has and waits for the
/// server to finish. Errors: invalid_state when the handshake has not completed.
ASYNCORE_API void tls_shutdown(dispatcher& d, std::error_code& ec);
/// True once the peer's close_notify arrived (a clean close; an end of
/// stream without it leaves this false). Read it in handle_close, before close().
ASYNCORE_API bool tls_close_notify_received(const dispatcher& d) noexcept;

/// True when start_tls was called on `d` and it has not closed since.
ASYNCORE_API bool tls_active(const dispatcher& d) noexcept;
/// True once the handshake of `d` completed.
ASYNCORE_API bool tls_established(const dispatcher& d) noexcept;
/// The ALPN protocol agreed on, or empty.
ASYNCORE_API std::string tls_alpn_protocol(const dispatcher& d);
/// The protocol version agreed on ("TLSv1.3", "TLSv1.2"), or empty.
ASYNCORE_API std::string tls_version(const dispatcher& d);

}  // namespace asyncore

namespace std {
template <>
struct is_error_code_enum<asyncore::tls_errc> : true_type {};
}  // namespace std

#endif  // ASYNCORE_TLS_HPP
