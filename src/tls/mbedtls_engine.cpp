// SPDX-License-Identifier: MIT
// asyncore for C++: the mbedTLS engine of the TLS seam (src/tls/engine.hpp),
// for mbedTLS 2.28 (Debian 12; TLS 1.2 only) and 3.x.
//
// The ssl context's bio callbacks take from wire::in and append to
// wire::out: the send callback always takes the whole record, so
// mbedtls_ssl_write never returns WANT_WRITE and never has to be retried
// with the same buffer (Mbed-TLS#1539). mbedTLS asks for a record's header
// and then for its body: on a channel the wire reads a large body straight
// into mbedTLS's input buffer and sends a record from its output buffer
// (src/tls/engine.hpp), so ciphertext is copied no more than by a loop that
// gives mbedTLS the socket itself.
#include "engine.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <climits>
#include <cstring>

namespace asyncore {
namespace detail {
namespace {

int wire_send(void* ctx, const unsigned char* buf, std::size_t len) {
  wire* w = static_cast<wire*>(ctx);
  if (len > INT_MAX) len = INT_MAX;
  w->put(reinterpret_cast<const char*>(buf), len);
  return static_cast<int>(len);
}

int wire_recv(void* ctx, unsigned char* buf, std::size_t len) {
  wire* w = static_cast<wire*>(ctx);
  if (len > INT_MAX) len = INT_MAX;
  const std::size_t k = w->take(reinterpret_cast<char*>(buf), len);
  return k ? static_cast<int>(k) : MBEDTLS_ERR_SSL_WANT_READ;
}

std::string error_text(int code) {
  char buf[200];
  mbedtls_strerror(code, buf, sizeof buf);
  return buf;
}

// mbedtls_*_parse wants PEM text with its terminating NUL counted.
std::string with_nul(const std::string& s) { return s + '\0'; }

class mbedtls_context final : public tls_engine_context {
 public:
  mbedtls_context() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&key);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~mbedtls_context() override {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&own);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  mbedtls_context(const mbedtls_context&) = delete;
  mbedtls_context& operator=(const mbedtls_context&) = delete;

  std::unique_ptr<tls_session> open(wire& w, const std::string& host, std::error_code& ec) override;

  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt own;
  mbedtls_pk_context key;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  std::vector<std::string> alpn;
  std::vector<const char*> alpn_ptrs;  // null-terminated, into `alpn`
  bool client = true;
};

class mbedtls_session final : public tls_session {
 public:
  mbedtls_session() { mbedtls_ssl_init(&ssl_); }
  ~mbedtls_session() override { mbedtls_ssl_free(&ssl_); }
  mbedtls_session(const mbedtls_session&) = delete;
  mbedtls_session& operator=(const mbedtls_session&) = delete;

  bool setup(mbedtls_context& c, wire& w, const std::string& host) {
    if (mbedtls_ssl_setup(&ssl_, &c.conf) != 0) return false;
    if (c.client && !host.empty() && mbedtls_ssl_set_hostname(&ssl_, host.c_str()) != 0) return false;
    mbedtls_ssl_set_bio(&ssl_, &w, wire_send, wire_recv, nullptr);
    return true;
  }

  tls_io handshake() override {
    const int r = mbedtls_ssl_handshake(&ssl_);
    if (r == 0) return tls_io::done;
    return classify(r, true);
  }

  tls_io read(void* buf, std::size_t n, std::size_t& got) override {
    const int r = mbedtls_ssl_read(&ssl_, static_cast<unsigned char*>(buf), n);
    if (r > 0) {
      got = static_cast<std::size_t>(r);
      return tls_io::done;
    }
    if (r == 0) return tls_io::closed;
    return classify(r, false);
  }

  tls_io write(const void* data, std::size_t n, std::size_t& took) override {
    const int r = mbedtls_ssl_write(&ssl_, static_cast<const unsigned char*>(data), n);
    if (r >= 0) {
      took = static_cast<std::size_t>(r);
      return tls_io::done;
    }
    return classify(r, false);
  }

  void close_notify() override { mbedtls_ssl_close_notify(&ssl_); }

  bool pending() const override {
    return mbedtls_ssl_get_bytes_avail(&ssl_) > 0 || mbedtls_ssl_check_pending(&ssl_) != 0;
  }
  const tls_failure& failure() const override { return failure_; }
  std::string alpn() const override {
    const char* p = mbedtls_ssl_get_alpn_protocol(&ssl_);
    return p ? p : "";
  }
  std::string version() const override { return mbedtls_ssl_get_version(&ssl_); }

 private:
  tls_io classify(int r, bool in_handshake) {
    switch (r) {
      case MBEDTLS_ERR_SSL_WANT_READ:
      case MBEDTLS_ERR_SSL_WANT_WRITE:
        return tls_io::want_read;
      case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        return tls_io::closed;
      default:
        break;
    }
    std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
    // A side that does not verify its peer (a server without client
    // certificates) has "verification skipped" in its flags: that is no
    // verification failure (the handshake failed for another reason).
    if (flags != 0xffffffffu) flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_SKIP_VERIFY);
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (in_handshake && flags != 0 && flags != 0xffffffffu)) {
      failure_.code = make_error_code(tls_errc::certificate_verify_failed);
      char buf[512];
      const int k = mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
      std::string info = k > 0 ? std::string(buf, static_cast<std::size_t>(k)) : error_text(r);
      while (!info.empty() && (info.back() == '\n' || info.back() == ' ')) info.pop_back();
      for (char& ch : info)
        if (ch == '\n') ch = ';';
      failure_.reason = info;
    } else {
      failure_.code = make_error_code(in_handshake ? tls_errc::handshake_failed : tls_errc::protocol_error);
      failure_.reason = error_text(r);
    }
    return tls_io::failed;
  }

  mbedtls_ssl_context ssl_;
  tls_failure failure_;
};

std::unique_ptr<tls_session> mbedtls_context::open(wire& w, const std::string& host, std::error_code& ec) {
  ec.clear();
  std::unique_ptr<mbedtls_session> s(new mbedtls_session);
  if (!s->setup(*this, w, host)) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  return s;
}

}  // namespace

std::shared_ptr<tls_engine_context> make_mbedtls_context(const tls_config& c, std::error_code& ec, std::string& why) {
  ec.clear();
  auto mc = std::make_shared<mbedtls_context>();
  mc->client = c.role == tls_role::client;
  auto bad = [&](const char* what, int code) -> std::shared_ptr<tls_engine_context> {
    why = std::string(what) + ": " + error_text(code);
    ec = make_error_code(tls_errc::bad_configuration);
    return nullptr;
  };
  static const char personal[] = "asyncore";
  int r = mbedtls_ctr_drbg_seed(&mc->drbg, mbedtls_entropy_func, &mc->entropy,
                                reinterpret_cast<const unsigned char*>(personal), sizeof personal - 1);
  if (r != 0) return bad("random generator", r);
  r = mbedtls_ssl_config_defaults(&mc->conf, mc->client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
                                  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (r != 0) return bad("configuration", r);
  mbedtls_ssl_conf_rng(&mc->conf, mbedtls_ctr_drbg_random, &mc->drbg);
  mbedtls_ssl_conf_min_version(&mc->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);  // TLS 1.2
  if (!c.ca_pem.empty()) {
    const std::string pem = with_nul(c.ca_pem);
    r = mbedtls_x509_crt_parse(&mc->ca, reinterpret_cast<const unsigned char*>(pem.data()), pem.size());
    if (r < 0) return bad("CA certificates", r);
    mbedtls_ssl_conf_ca_chain(&mc->conf, &mc->ca, nullptr);
  }
  if (!c.cert_pem.empty()) {
    const std::string cert = with_nul(c.cert_pem);
    r = mbedtls_x509_crt_parse(&mc->own, reinterpret_cast<const unsigned char*>(cert.data()), cert.size());
    if (r != 0) return bad("certificate", r);
    const std::string key = with_nul(c.key_pem);
#if MBEDTLS_VERSION_MAJOR >= 3
    r = mbedtls_pk_parse_key(&mc->key, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0,
                             mbedtls_ctr_drbg_random, &mc->drbg);
#else
    r = mbedtls_pk_parse_key(&mc->key, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
#endif
    if (r != 0) return bad("private key", r);
    r = mbedtls_ssl_conf_own_cert(&mc->conf, &mc->own, &mc->key);
    if (r != 0) return bad("certificate and key", r);
  }
  mbedtls_ssl_conf_authmode(&mc->conf, c.verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
  if (!c.alpn.empty()) {
    mc->alpn = c.alpn;
    for (const std::string& p : mc->alpn) mc->alpn_ptrs.push_back(p.c_str());
    mc->alpn_ptrs.push_back(nullptr);
    r = mbedtls_ssl_conf_alpn_protocols(&mc->conf, mc->alpn_ptrs.data());
    if (r != 0) return bad("ALPN", r);
  }
  return mc;
}

}  // namespace detail
}  // namespace asyncore
