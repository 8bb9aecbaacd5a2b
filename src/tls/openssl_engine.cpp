// SPDX-License-Identifier: MIT
// asyncore for C++: the OpenSSL 3 engine of the TLS seam (src/tls/engine.hpp).
//
// The SSL object reads and writes through a BIO of our own whose read takes
// from wire::in and whose write appends to wire::out (no memory BIO, so no
// buffer of OpenSSL's grows per message); SSL_MODE_RELEASE_BUFFERS lets an
// idle connection give its record buffers back. On a channel the wire reads
// a large record's body straight into OpenSSL's read buffer and sends a
// record from its write buffer (src/tls/engine.hpp): no copy of ours.
#include "engine.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <cstring>
#include <mutex>

namespace asyncore {
namespace detail {
namespace {

// -- the BIO over a wire ------------------------------------------------------------

int wire_write(BIO* b, const char* data, int n) {
  wire* w = static_cast<wire*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (n <= 0) return 0;
  w->put(data, static_cast<std::size_t>(n));
  return n;
}

int wire_read(BIO* b, char* out, int n) {
  wire* w = static_cast<wire*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (n <= 0) return 0;
  const std::size_t k = w->take(out, static_cast<std::size_t>(n));
  if (k == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  return static_cast<int>(k);
}

long wire_ctrl(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_PUSH:
    case BIO_CTRL_POP:
      return 1;
    default:
      return 0;
  }
}

int wire_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

BIO_METHOD* wire_method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "asyncore wire");
    BIO_meth_set_write(bm, wire_write);
    BIO_meth_set_read(bm, wire_read);
    BIO_meth_set_ctrl(bm, wire_ctrl);
    BIO_meth_set_create(bm, wire_create);
    return bm;
  }();
  return m;
}

std::string take_errors() {
  std::string text;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    const char* reason = ERR_reason_error_string(e);
    text += reason ? reason : buf;
  }
  return text;
}

// -- the context -------------------------------------------------------------------

struct ssl_ctx_free {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};

int alpn_select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void* arg) {
  const std::string* wire_list = static_cast<const std::string*>(arg);
  unsigned char* o = nullptr;
  if (SSL_select_next_proto(&o, outlen, reinterpret_cast<const unsigned char*>(wire_list->data()),
                            static_cast<unsigned>(wire_list->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = o;
  return SSL_TLSEXT_ERR_OK;
}

class openssl_context;

class openssl_session final : public tls_session {
 public:
  openssl_session(SSL* ssl, bool client) : ssl_(ssl), client_(client) {}
  ~openssl_session() override { SSL_free(ssl_); }

  tls_io handshake() override {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) return tls_io::done;
    return classify(r, true);
  }

  tls_io read(void* buf, std::size_t n, std::size_t& got) override {
    ERR_clear_error();
    if (n > INT_MAX) n = INT_MAX;
    std::size_t k = 0;
    if (SSL_read_ex(ssl_, buf, n, &k) == 1) {
      got = k;
      return tls_io::done;
    }
    return classify(0, false);
  }

  tls_io write(const void* data, std::size_t n, std::size_t& took) override {
    ERR_clear_error();
    std::size_t k = 0;
    if (SSL_write_ex(ssl_, data, n, &k) == 1) {
      took = k;
      return tls_io::done;
    }
    return classify(0, false);
  }

  void close_notify() override {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }

  bool pending() const override { return SSL_pending(ssl_) > 0; }
  const tls_failure& failure() const override { return failure_; }

  std::string alpn() const override {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
  }
  std::string version() const override { return SSL_get_version(ssl_); }

 private:
  tls_io classify(int r, bool in_handshake) {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:  // our BIO never refuses a write: treat as "needs input"
        return tls_io::want_read;
      case SSL_ERROR_ZERO_RETURN:
        return tls_io::closed;
      default:
        break;
    }
    const long v = SSL_get_verify_result(ssl_);
    std::string errors = take_errors();
    if (v != X509_V_OK && in_handshake) {
      failure_.code = make_error_code(tls_errc::certificate_verify_failed);
      failure_.reason = X509_verify_cert_error_string(v);
      if (!errors.empty()) failure_.reason += " (" + errors + ")";
    } else {
      failure_.code = make_error_code(in_handshake ? tls_errc::handshake_failed : tls_errc::protocol_error);
      failure_.reason = errors.empty() ? "unknown OpenSSL error" : errors;
    }
    (void)client_;
    return tls_io::failed;
  }

  SSL* ssl_;
  bool client_;
  tls_failure failure_;
};

class openssl_context final : public tls_engine_context {
 public:
  std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx;
  std::string alpn_wire;  // length-prefixed list
  bool client = true;
  bool verify = true;

  std::unique_ptr<tls_session> open(wire& w, const std::string& host, std::error_code& ec) override {
    ec.clear();
    SSL* ssl = SSL_new(ctx.get());
    if (!ssl) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return nullptr;
    }
    BIO* bio = BIO_new(wire_method());
    if (!bio) {
      SSL_free(ssl);
      ec = std::make_error_code(std::errc::not_enough_memory);
      return nullptr;
    }
    BIO_set_data(bio, &w);
    SSL_set_bio(ssl, bio, bio);  // the SSL owns it
    std::unique_ptr<tls_session> s(new openssl_session(ssl, client));
    if (client) {
      SSL_set_connect_state(ssl);
      if (!host.empty()) {
        SSL_set_tlsext_host_name(ssl, host.c_str());
        if (verify && !SSL_set1_host(ssl, host.c_str())) {
          ec = make_error_code(tls_errc::bad_configuration);
          return nullptr;
        }
      }
      if (!alpn_wire.empty())
        SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                            static_cast<unsigned>(alpn_wire.size()));
    } else {
      SSL_set_accept_state(ssl);
    }
    return s;
  }
};

bool load_pem_certs(const std::string& pem, X509_STORE* store, SSL_CTX* chain_ctx, std::string& why) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!b) return false;
  int count = 0;
  while (X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr)) {
    bool ok;
    if (store) {
      ok = X509_STORE_add_cert(store, x) == 1;
      X509_free(x);
    } else if (count == 0) {
      ok = SSL_CTX_use_certificate(chain_ctx, x) == 1;
      X509_free(x);
    } else {
      ok = SSL_CTX_add_extra_chain_cert(chain_ctx, x) == 1;  // takes it
      if (!ok) X509_free(x);
    }
    if (!ok) {
      why = take_errors();
      BIO_free(b);
      return false;
    }
    ++count;
  }
  ERR_clear_error();  // the end of the input
  BIO_free(b);
  if (count == 0) why = "no certificate in the PEM text";
  return count > 0;
}

}  // namespace

std::shared_ptr<tls_engine_context> make_openssl_context(const tls_config& c, std::error_code& ec, std::string& why) {
  ec.clear();
  auto oc = std::make_shared<openssl_context>();
  oc->client = c.role == tls_role::client;
  oc->verify = c.verify;
  oc->ctx.reset(SSL_CTX_new(oc->client ? TLS_client_method() : TLS_server_method()));
  SSL_CTX* ctx = oc->ctx.get();
  if (!ctx) {
    why = take_errors();
    ec = make_error_code(tls_errc::bad_configuration);
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  auto bad = [&](const char* what) -> std::shared_ptr<tls_engine_context> {
    if (why.empty()) why = take_errors();
    why = std::string(what) + ": " + why;
    ec = make_error_code(tls_errc::bad_configuration);
    return nullptr;
  };
  if (!c.ca_pem.empty() && !load_pem_certs(c.ca_pem, SSL_CTX_get_cert_store(ctx), nullptr, why))
    return bad("CA certificates");
  if (!c.cert_pem.empty()) {
    if (!load_pem_certs(c.cert_pem, nullptr, ctx, why)) return bad("certificate");
    BIO* b = BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size()));
    EVP_PKEY* key = b ? PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr) : nullptr;
    if (b) BIO_free(b);
    if (!key) return bad("private key");
    const int ok = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (ok != 1 || SSL_CTX_check_private_key(ctx) != 1) return bad("private key");
  }
  if (c.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (oc->client ? 0 : SSL_VERIFY_FAIL_IF_NO_PEER_CERT), nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  for (const std::string& p : c.alpn) {
    if (p.empty() || p.size() > 255) {
      why = "an ALPN protocol name must have 1 to 255 bytes";
      return bad("ALPN");
    }
    oc->alpn_wire += static_cast<char>(p.size());
    oc->alpn_wire += p;
  }
  if (!oc->client && !oc->alpn_wire.empty()) SSL_CTX_set_alpn_select_cb(ctx, alpn_select, &oc->alpn_wire);
  return oc;
}

}  // namespace detail
}  // namespace asyncore
