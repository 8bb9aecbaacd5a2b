// SPDX-License-Identifier: MIT
// libFuzzer harness: the TLS record input (issue 15), through the engine
// seam (src/tls/engine.hpp), for each engine built.
//
// The first input byte picks the case, the rest is ciphertext from the peer,
// fed in chunks whose sizes come from the input too:
//   bit 0   the side under test: 0 a server (the input is a client's), 1 a
//           client (the input is a server's, after our ClientHello)
//   bit 1   0 from the first byte of the handshake; 1 after a real
//           handshake with a genuine peer in memory (the input is then
//           records on an established connection)
//   bit 2   the engine: 0 OpenSSL, 1 mbedTLS (the other when one is not built)
// Invariants, besides ASan/UBSan: an engine call never reports done with
// more plaintext than asked for, never grows its output without bound, and
// once it has failed it stays failed (the layer stops calling it then).
//
// The certificates come from tests/tls/make_certs.sh, in the directory named
// by ASYNCORE_FUZZ_TLS_CERTS (ci/fuzz makes them).
#include "core.hpp"
#include "tls/engine.hpp"

#include <asyncore/tls.hpp>

#include <cstdint>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

namespace ad = asyncore::detail;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "fuzz_tls_records: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct contexts {
  std::shared_ptr<ad::tls_engine_context> server, client;
};

contexts g_ctx[2];  // [0] OpenSSL, [1] mbedTLS; null where not built
constexpr std::size_t in_capacity = 64 * 1024;

std::unique_ptr<asyncore::tls_context> g_keep[4];  // the public contexts, for the process's life
int g_kept = 0;

std::shared_ptr<ad::tls_engine_context> make(asyncore::tls_engine e, asyncore::tls_role role, const std::string& dir) {
  // Through the public context, then its engine state.
  g_keep[g_kept].reset(new asyncore::tls_context(role, e));
  asyncore::tls_context* ctx = g_keep[g_kept++].get();
  std::error_code ec;
  ctx->load_ca_pem(slurp(dir + "/ca.pem"), ec);
  if (!ec && role == asyncore::tls_role::server)
    ctx->use_certificate_pem(slurp(dir + "/server.pem"), slurp(dir + "/server.key"), ec);
  if (!ec) ctx->prepare(ec);
  if (ec || !asyncore::detail::core::tls_settings(*ctx).built) {
    std::fprintf(stderr, "fuzz_tls_records: %s context: %s %s\n", asyncore::tls_engine_name(e), ec.message().c_str(),
                 ctx->error_reason().c_str());
    std::abort();
  }
  return asyncore::detail::core::tls_settings(*ctx).built;
}

// One side of a connection over memory.
struct side {
  ad::wire w;
  std::unique_ptr<ad::tls_session> s;
  bool failed = false;
  bool open = false;

  side() {
    w.in_buf.reset(new char[in_capacity]);
    w.in_cap = in_capacity;
  }
  bool start(ad::tls_engine_context& c, const char* host) {
    std::error_code ec;
    s = c.open(w, host, ec);
    return s && !ec;
  }
  // Appends ciphertext to `in` (as much as fits).
  void feed(const char* p, std::size_t n) {
    if (w.in_pos) {  // compact
      std::memmove(w.in_buf.get(), w.in_buf.get() + w.in_pos, w.in_len - w.in_pos);
      w.in_len -= w.in_pos;
      w.in_pos = 0;
    }
    if (n > w.in_cap - w.in_len) n = w.in_cap - w.in_len;
    std::memcpy(w.in_buf.get() + w.in_len, p, n);
    w.in_len += n;
  }
  // Takes what the engine wants sent.
  std::string drain() {
    std::string out(w.out.data() + w.out_pos, w.out.size() - w.out_pos);
    w.out.clear();
    w.out_pos = 0;
    return out;
  }
  // Drives the engine over what `in` holds, as the layer does.
  void step() {
    if (failed || !s) return;
    for (int i = 0; i < 64; ++i) {
      if (!open) {
        const ad::tls_io r = s->handshake();
        check_out();
        if (r == ad::tls_io::failed) {
          failed = true;
          return;
        }
        if (r != ad::tls_io::done) return;
        open = true;
      }
      char buf[4096];
      std::size_t got = 0;
      const ad::tls_io r = s->read(buf, sizeof buf, got);
      check_out();
      if (r == ad::tls_io::failed) {
        failed = true;
        return;
      }
      if (r == ad::tls_io::done && (got == 0 || got > sizeof buf)) std::abort();  // the read's contract
      if (r != ad::tls_io::done) return;
    }
  }
  void check_out() {
    if (w.out.size() - w.out_pos > 256 * 1024) std::abort();  // unbounded output for bounded input
  }
};

// A full handshake between two sessions in memory; false if it did not complete.
bool handshake(side& c, side& s) {
  for (int i = 0; i < 32 && !(c.open && s.open); ++i) {
    c.step();
    std::string m = c.drain();
    s.feed(m.data(), m.size());
    s.step();
    m = s.drain();
    c.feed(m.data(), m.size());
    if (c.failed || s.failed) return false;
  }
  c.step();
  return c.open && s.open;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("ASYNCORE_FUZZ_TLS_CERTS");
  if (!dir || !*dir) {
    std::fprintf(stderr, "fuzz_tls_records: set ASYNCORE_FUZZ_TLS_CERTS to a directory made by tests/tls/make_certs.sh\n");
    std::abort();
  }
  const asyncore::tls_engine engines[2] = {asyncore::tls_engine::openssl, asyncore::tls_engine::mbedtls};
  for (int e = 0; e < 2; ++e) {
    if (!asyncore::tls_available(engines[e])) continue;
    g_ctx[e].server = make(engines[e], asyncore::tls_role::server, dir);
    g_ctx[e].client = make(engines[e], asyncore::tls_role::client, dir);
    // One real handshake each, so the engines' one-time set-up is not
    // counted against the first input (as a leak).
    side c, s;
    if (!c.start(*g_ctx[e].client, "localhost") || !s.start(*g_ctx[e].server, "") || !handshake(c, s)) {
      std::fprintf(stderr, "fuzz_tls_records: the %s handshake in memory failed\n", asyncore::tls_engine_name(engines[e]));
      std::abort();
    }
  }
  if (!g_ctx[0].server && !g_ctx[1].server) {
    std::fprintf(stderr, "fuzz_tls_records: no TLS engine built\n");
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned mode = data[0];
  int e = (mode >> 2) & 1;
  if (!g_ctx[e].server) e ^= 1;
  const bool client_under_test = mode & 1;
  const bool established = mode & 2;
  const char* p = reinterpret_cast<const char*>(data + 1);
  std::size_t n = size - 1;

  side c, s;
  if (!c.start(*g_ctx[e].client, "localhost") || !s.start(*g_ctx[e].server, "")) std::abort();
  if (established && !handshake(c, s)) std::abort();  // genuine peers must agree
  side& under = client_under_test ? c : s;
  if (client_under_test && !established) {
    under.step();  // our ClientHello goes out (and is dropped)
    (void)under.drain();
  }
  // Chunks: a length byte, then that many bytes (0 means the rest).
  while (n > 0 && !under.failed) {
    std::size_t k = static_cast<unsigned char>(*p);
    ++p;
    --n;
    if (k == 0 || k > n) k = n;
    under.feed(p, k);
    p += k;
    n -= k;
    under.step();
    (void)under.drain();
  }
  if (under.failed) {
    // Failed stays failed: the next call must not succeed.
    std::size_t got = 0;
    char buf[16];
    const ad::tls_io r = under.open ? under.s->read(buf, sizeof buf, got) : under.s->handshake();
    if (r == ad::tls_io::done) std::abort();
  }
  return 0;
}
