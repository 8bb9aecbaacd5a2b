// SPDX-License-Identifier: MIT
// asyncore for C++, Cortex-M4 port: the TLS firmware image
// (asyncore_tls_firmware.elf), built when mbedTLS is (the cortex-m4 preset
// with ASYNCORE_MBEDTLS_SOURCE_DIR; ci/cortex-m).
//
// One asyncore loop on lwIP's sockets with:
//   port 4433: a TLS echo server (dispatcher_with_send under start_tls),
//              presenting a certificate and key compiled in from memory
//              (use_certificate_pem; no file system);
//   a TLS client: connects to 127.0.0.1:4433 once, verifies the server's
//              certificate against the same certificate as its CA and the
//              name "localhost" (SNI), offers ALPN "echo", sends a line and
//              reads its echo, then sends close_notify (tls_shutdown).
// mbedTLS is configured by ports/cortex-m4/mbedtls_config.h (TLS 1.2,
// ECDHE-ECDSA-AES128-GCM-SHA256, P-256). The certificate and key are made at
// build time (tls_credentials.sh: a fresh self-signed P-256 pair per build).
//
// Like asyncore_firmware.elf this image links but does not run: the RTOS
// glue is link-only (rtos_glue.c), and so is the entropy source
// (board_entropy.c): without a true random number generator
// mbedtls_hardware_poll fails, so tls_context::prepare() fails and neither
// the server nor the client starts (g_tls_status says why). A real board
// supplies both.
#include "firmware_common.hpp"

#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include <string_view>

#include "tls_credentials.h"  // generated: cm4_tls_cert_pem, cm4_tls_key_pem

/// What the TLS part of the image came to, for a debugger (no console here):
/// 0 running; 1 the server context could not be prepared (no entropy: see
/// board_entropy.c); 2 the client's; 3 a channel failed (handle_error);
/// 4 the client read its echo back.
extern "C" volatile int g_tls_status;
volatile int g_tls_status = 0;

namespace {

constexpr std::uint16_t tls_port = 4433;
constexpr std::string_view greeting = "hello over TLS\n";

class echo_handler : public cm4::echo_handler {
 public:
  using cm4::echo_handler::echo_handler;
  // The client's close_notify (or end of stream): the rest of the echo, then ours.
  void handle_close() override { close_when_done(); }
  void handle_error(const asyncore::error_cause&) override {
    g_tls_status = 3;
    close();
  }
};

class tls_server : public cm4::listener {
 public:
  tls_server(asyncore::socket_map* m, asyncore::tls_context& ctx) : listener(m, tls_port), ctx_(ctx) {}
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    echo_handler* h = asyncore::make_owned<echo_handler>(std::move(sock), map(), ec);
    if (ec) return;
    asyncore::start_tls(*h, ctx_, {}, ec);  // the handshake starts at once
    if (ec) h->close();
  }

 private:
  asyncore::tls_context& ctx_;
};

// Connects, and after the handshake (handle_connect) sends the greeting;
// once all of it came back, sends close_notify and waits for the server's.
class tls_client : public asyncore::dispatcher_with_send {
 public:
  tls_client(asyncore::socket_map* m, asyncore::tls_context& ctx) : dispatcher_with_send(m) {
    std::error_code ec;
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (!ec) connect(asyncore::address::loopback(asyncore::family::inet, tls_port), ec);
    if (!ec) asyncore::start_tls(*this, ctx, "localhost", ec);  // SNI and the name check
    if (ec) close();
  }
  void handle_connect() override { send(greeting.data(), greeting.size()); }
  void handle_read() override {
    char buf[64];
    std::error_code ec;
    got_ += recv(buf, sizeof buf, ec);
    if (got_ >= greeting.size() && !done_) {
      done_ = true;
      g_tls_status = 4;
      asyncore::tls_shutdown(*this, ec);
    }
  }
  void handle_close() override { close(); }
  void handle_error(const asyncore::error_cause&) override {
    g_tls_status = 3;
    close();
  }

 private:
  std::size_t got_ = 0;
  bool done_ = false;
};

}  // namespace

int main() {
  if (!cm4::start_lwip()) return 1;

  asyncore::socket_map map;
  std::error_code ec;
  // The contexts are made before any channel: a context that cannot be
  // prepared (no entropy, a bad certificate) is reported here, once.
  asyncore::tls_context server_ctx(asyncore::tls_role::server, asyncore::tls_engine::mbedtls);
  server_ctx.use_certificate_pem(cm4_tls_cert_pem, cm4_tls_key_pem, ec);
  server_ctx.set_alpn({"echo"});
  if (!ec) server_ctx.prepare(ec);
  asyncore::tls_context client_ctx(asyncore::tls_role::client, asyncore::tls_engine::mbedtls);
  std::error_code cec;
  client_ctx.load_ca_pem(cm4_tls_cert_pem, cec);
  client_ctx.set_alpn({"echo"});
  if (!cec) client_ctx.prepare(cec);

  if (ec) {
    g_tls_status = 1;
  } else {
    // Heap-allocated and owned by the map: freed after they close.
    asyncore::make_owned<tls_server>(&map, server_ctx);
    if (cec) {
      g_tls_status = 2;
    } else {
      asyncore::make_owned<tls_client>(&map, client_ctx);
    }
  }
  for (;;) {
    std::error_code lec;
    // select, the one backend of this port (lwipopts.h); a failed wait is retried.
    asyncore::loop(asyncore::forever, asyncore::backend::select, &map, std::nullopt, lec);
  }
}
