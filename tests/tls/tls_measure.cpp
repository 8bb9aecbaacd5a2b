// SPDX-License-Identifier: MIT
// TLS measurements (issue 13, point 4), per engine, over loopback with both
// ends in this process:
//   - heap allocations per echoed message in steady state: the library's
//     own (operator new, which this program counts) and all (malloc, which
//     the engines use too; glibc's __libc_* are the real ones);
//   - heap bytes per idle TLS connection, beyond a plain one (glibc's
//     mallinfo2: the bytes in use with N idle pairs open, less the same
//     with N plain pairs, per connection end).
// Prints one line per engine. With --check it exits 1 when the library
// itself allocates in steady state (the ctest test tls.measure runs it so).
// glibc only, and not under sanitizers (they replace malloc themselves):
// CMake builds it only then.
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
}

namespace {
bool g_counting = false;
std::size_t g_news = 0;
std::size_t g_mallocs = 0;
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  if (g_counting) ++g_mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  if (g_counting) ++g_mallocs;
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  if (g_counting) ++g_mallocs;
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}

void* operator new(std::size_t n) {
  if (g_counting) ++g_news;
  void* p = __libc_malloc(n ? n : 1);
  if (!p) std::abort();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }

using namespace asyncore;

namespace {

struct echo_handler : dispatcher_with_send {
  using dispatcher_with_send::dispatcher_with_send;
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  void handle_close() override { close(); }
  void handle_error(const error_cause& c) override {
    std::fprintf(stderr, "server: %s\n", c.what.c_str());
    close();
  }
};

struct server : dispatcher {
  server(socket_map* m, tls_context* c) : dispatcher(m), ctx(c) {
    create_socket(family::inet);
    set_reuse_addr();
    bind(address("127.0.0.1", 0));
    listen(1024);
  }
  tls_context* ctx;
  void handle_accepted(asyncore::socket s, const address&) override {
    auto* h = make_owned<echo_handler>(std::move(s), map());
    std::error_code ec;
    if (ctx) start_tls(*h, *ctx, {}, ec);
  }
};

struct client : dispatcher {
  explicit client(socket_map* m) : dispatcher(m) {}
  std::size_t received = 0;
  bool up = false, failed = false;
  bool writable() override { return connecting; }
  void handle_connect() override { up = true; }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    received += recv(buf, sizeof buf, ec);
  }
  void handle_close() override { close(); }
  void handle_error(const error_cause& c) override {
    std::fprintf(stderr, "client: %s\n", c.what.c_str());
    failed = true;
    close();
  }
};

template <class F>
bool run_until(socket_map& m, F done) {
  for (int i = 0; i < 200000 && !done(); ++i) {
    std::error_code ec;
    poll_once(1.0, backend::epoll, &m, ec);
    if (ec) return false;
  }
  return done();
}

std::size_t heap_in_use() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// N idle pairs (each end ours); returns the heap bytes they hold.
std::size_t idle_pairs(tls_context* sctx, tls_context* cctx, int n) {
  socket_map m;
  const std::size_t before = heap_in_use();
  {
    server srv(&m, sctx);
    const std::uint16_t port = srv.socket().getsockname().port();
    std::vector<std::unique_ptr<client>> cs;
    for (int i = 0; i < n; ++i) {
      cs.push_back(std::make_unique<client>(&m));
      cs.back()->create_socket(family::inet);
      std::error_code ec;
      if (cctx) start_tls(*cs.back(), *cctx, "localhost", ec);
      cs.back()->connect(address("127.0.0.1", port));
    }
    // Each sends one message and gets it back: buffers at their working size.
    run_until(m, [&] {
      for (auto& c : cs)
        if (!c->up && !c->failed) return false;
      return true;
    });
    for (auto& c : cs) {
      std::error_code ec;
      (void)c->send("ping", ec);
    }
    run_until(m, [&] {
      for (auto& c : cs)
        if (c->received < 4 && !c->failed) return false;
      return true;
    });
    const std::size_t during = heap_in_use();
    close_all(&m, true);
    return during - before;
  }
}

void measure(tls_engine e, const std::string& certs, bool& ok) {
  tls_context sctx(tls_role::server, e), cctx(tls_role::client, e);
  std::error_code ec;
  sctx.use_certificate_file(certs + "/server.pem", certs + "/server.key", ec);
  cctx.load_ca_file(certs + "/ca.pem", ec);

  // -- steady state: one 1 KiB message at a time, echoed --------------------------
  socket_map m;
  server srv(&m, &sctx);
  client c(&m);
  c.create_socket(family::inet);
  start_tls(c, cctx, "localhost", ec);
  c.connect(address("127.0.0.1", srv.socket().getsockname().port()));
  if (!run_until(m, [&] { return c.up || c.failed; }) || c.failed) {
    ok = false;
    return;
  }
  const std::string msg(1024, 'x');
  auto echo = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const std::size_t want = c.received + msg.size();
      std::error_code e2;
      (void)c.send(msg, e2);
      run_until(m, [&] { return c.received >= want || c.failed; });
    }
  };
  echo(200);  // warm-up
  constexpr int messages = 1000;
  g_news = g_mallocs = 0;
  g_counting = true;
  echo(messages);
  g_counting = false;
  const double ours = static_cast<double>(g_news) / messages;
  const double all = static_cast<double>(g_mallocs) / messages;
  close_all(&m, true);

  // -- idle connections --------------------------------------------------------------
  constexpr int pairs = 200;
  const std::size_t plain = idle_pairs(nullptr, nullptr, pairs);
  const std::size_t tls = idle_pairs(&sctx, &cctx, pairs);
  const double per_end = (static_cast<double>(tls) - static_cast<double>(plain)) / (2.0 * pairs);
  std::printf("%-8s steady state per echoed 1 KiB message (both ends): %.2f allocations by the library, "
              "%.2f in all (engine included); idle TLS connection: %.0f bytes per end beyond a plain one "
              "(%d pairs: %zu bytes TLS, %zu plain)\n",
              tls_engine_name(e), ours, all, per_end, pairs, tls, plain);
  if (g_news != 0) ok = false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tls_measure CERT_DIR [--check]\n");
    return 2;
  }
  const bool check = argc > 2 && !std::strcmp(argv[2], "--check");
  bool ok = true;
  for (tls_engine e : {tls_engine::openssl, tls_engine::mbedtls})
    if (tls_available(e)) measure(e, argv[1], ok);
  return check && !ok ? 1 : 0;
}
