// SPDX-License-Identifier: MIT
// A TLS client: sends its standard input, prints what comes back.
//
//     tls_client --ca FILE [--host NAME] [--engine openssl|mbedtls] HOST PORT
//     tls_client --help
//
// Connects to HOST:PORT, verifies the server's certificate against the CA
// certificates in FILE and the name NAME (default: HOST; it is also sent as
// SNI), then sends standard input as it comes and writes what the server
// sends to standard output. At the end of standard input, once all of it
// went out, it sends close_notify and waits for the server to finish.
//
// Standard input comes through the loop: a file_dispatcher where the
// platform can poll files (POSIX); on Windows, where it cannot, a thread
// reads it and hands each piece to the loop with call_soon_threadsafe (as
// examples/gui_thread does). Standard input and output are in binary mode
// (example_cli::binary_stdio: no CR/LF translation of the data on Windows).
//
// Exit status: 0 the server closed cleanly (close_notify); 1 a verification
// or handshake failure, a connection error, or an end of stream without
// close_notify (a truncation), each with a message on stderr; 2 bad arguments.
#include <asyncore/asyncore.hpp>
#include <asyncore/tls.hpp>

#include "cli.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#if ASYNCORE_HAS_FILE_DISPATCHER
#include <asyncore/file_dispatcher.hpp>
#elif defined(_WIN32)
#include <io.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#else
#error "tls_client reads standard input with file_dispatcher or, on Windows, a thread"
#endif

namespace {

int g_status = example_cli::exit_failure;
// Standard input not yet sent that the client holds at most (back-pressure).
constexpr std::size_t input_limit = 256u << 10;

class tls_client : public asyncore::dispatcher {
 public:
  using dispatcher::dispatcher;
  std::string out;        // standard input not sent yet
  bool input_done = false;
  asyncore::dispatcher* input = nullptr;  // closed with us: the loop then ends
  void (*on_sent)(std::size_t) = nullptr;  // the input thread's back-pressure (Windows)

  bool readable() override { return true; }
  bool writable() override { return connecting || !out.empty(); }
  void handle_connect() override {}  // after the handshake and the verification
  void handle_write() override {
    std::error_code ec;
    const std::size_t n = send(out.data(), out.size(), ec);
    out.erase(0, n);
    if (n && on_sent) on_sent(n);
    finish_if_done();
  }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) {
      std::fwrite(buf, 1, n, stdout);
      std::fflush(stdout);
    }
  }
  void handle_close() override {
    if (asyncore::tls_close_notify_received(*this)) {
      g_status = example_cli::exit_ok;
    } else {
      std::fprintf(stderr, "tls_client: the server ended the stream without close_notify\n");
    }
    finish();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "tls_client: %s\n", cause.what.c_str());
    finish();
  }
  void handle_tls_handshake() override { finish_if_done(); }  // an empty input
  void finish() {
    close();
    if (input) input->close();
  }
  // All of standard input has come (its end).
  void input_ended() {
    input_done = true;
    interest_changed();
    if (asyncore::tls_established(*this)) finish_if_done();
  }
  // All of standard input went out: close_notify; the server answers with its own.
  void finish_if_done() {
    if (input_done && out.empty() && asyncore::tls_established(*this)) {
      std::error_code ec;
      asyncore::tls_shutdown(*this, ec);
    }
  }
};

#if ASYNCORE_HAS_FILE_DISPATCHER
// Standard input, through the loop.
class input : public asyncore::file_dispatcher {
 public:
  input(tls_client& c, asyncore::socket_map* map, std::error_code& ec) : file_dispatcher(0, map, ec), c_(c) {}
  // Reads only while the client has taken the last piece (back-pressure).
  bool readable() override { return c_.out.size() < input_limit; }
  bool writable() override { return false; }
  void handle_read() override {
    char buf[16384];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) c_.out.append(buf, n);
  }
  void handle_close() override {
    close();
    c_.input_ended();
  }

 private:
  tls_client& c_;
};
#else
// Standard input, read by a thread of its own (Windows cannot poll a pipe or
// a console with the sockets): each piece is posted to the loop, at most
// input_limit bytes ahead of what went out. The state is never destroyed:
// the thread may still be blocked in a read when main returns (the process
// ends it), and main detaches it from the map first (detach()).
struct input_thread {
  std::mutex m;
  std::condition_variable cv;
  std::size_t pending = 0;  // posted and not sent yet
  asyncore::socket_map* map = nullptr;
  tls_client* client = nullptr;

  static input_thread& get() {
    static input_thread& t = *new input_thread;
    return t;
  }
  static void sent(std::size_t n) {
    input_thread& t = get();
    std::lock_guard<std::mutex> lock(t.m);
    t.pending -= n < t.pending ? n : t.pending;
    t.cv.notify_one();
  }
  void start(tls_client& c, asyncore::socket_map* m) {
    client = &c;
    map = m;
    c.on_sent = &input_thread::sent;
    std::thread([this] { run(); }).detach();
  }
  // From main, after the loop: nothing is posted to the map any more.
  void detach() {
    std::lock_guard<std::mutex> lock(m);
    map = nullptr;
    cv.notify_one();
  }
  void run() {
    for (;;) {
      std::string piece(16384, '\0');
      const int n = _read(0, &piece[0], static_cast<unsigned>(piece.size()));
      piece.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      std::unique_lock<std::mutex> lock(m);
      cv.wait(lock, [&] { return !map || pending < input_limit; });
      if (!map) return;
      pending += piece.size();
      tls_client* c = client;
      std::error_code ec;
      if (piece.empty()) {  // the end (or an error) of standard input
        asyncore::call_soon_threadsafe([c] { c->input_ended(); }, map, ec);
        return;
      }
      asyncore::call_soon_threadsafe([c, piece = std::move(piece)] {
        c->out.append(piece);
        c->interest_changed();
      }, map, ec);
      if (ec) return;
    }
  }
};
#endif

const char usage[] =
    "usage: tls_client --ca FILE [--host NAME] [--engine openssl|mbedtls] HOST PORT\n"
    "       tls_client --help\n"
    "\n"
    "Connects to HOST:PORT over TLS, verifies the server against the CA\n"
    "certificates in FILE and the name NAME (default HOST), sends standard\n"
    "input and prints what comes back.\n"
    "Exit status: 0 the server closed cleanly; 1 a verification, handshake or\n"
    "connection failure (said on stderr); 2 bad arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  example_cli::command_line cli(argc, argv, usage);
  cli.handle_help();
  std::string ca, name, host;
  asyncore::tls_engine engine = asyncore::tls_engine::automatic;
  std::uint16_t port = 0;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(a, "--ca") && has_value) {
      ca = argv[++i];
    } else if (!std::strcmp(a, "--host") && has_value) {
      name = argv[++i];
    } else if (!std::strcmp(a, "--engine") && has_value) {
      const std::string e = argv[++i];
      engine = e == "openssl" ? asyncore::tls_engine::openssl : asyncore::tls_engine::mbedtls;
      if ((e != "openssl" && e != "mbedtls") || !asyncore::tls_available(engine))
        return cli.usage_error("no TLS engine '" + e + "' here");
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli.usage_error(std::string("unknown option or missing value: '") + a + "'");
    } else if (positional == 0) {
      host = a;
      ++positional;
    } else if (positional == 1 && example_cli::parse_port(a, port) && port != 0) {
      ++positional;
    } else {
      return cli.usage_error(std::string("unexpected argument '") + a + "'");
    }
  }
  if (ca.empty()) return cli.usage_error("--ca FILE is required");
  if (positional != 2) return cli.usage_error("HOST and PORT are required");
  if (name.empty()) name = host;
  example_cli::binary_stdio();  // the data as it is (Windows: no CR/LF translation)

  asyncore::tls_context ctx(asyncore::tls_role::client, engine);
  std::error_code ec;
  ctx.load_ca_file(ca, ec);
  if (!ec) ctx.prepare(ec);
  if (ec) {
    std::fprintf(stderr, "tls_client: %s: %s %s\n", ca.c_str(), asyncore::error_text(ec).c_str(), ctx.error_reason().c_str());
    return example_cli::exit_failure;
  }
  asyncore::socket_map map;
  tls_client client(&map);
  // The name is resolved first (blocking, as examples/http_client does).
  const asyncore::address a = asyncore::address::resolve(host, port, asyncore::family::unspec, ec);
  if (!ec) client.create_socket(a.get_family(), asyncore::socket_type::stream, ec);
  if (!ec) asyncore::start_tls(client, ctx, name, ec);  // before connect: handle_connect after the handshake
  if (!ec) client.connect(a, ec);
  if (ec) {
    std::fprintf(stderr, "tls_client: %s:%u: %s\n", host.c_str(), port, asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
#if ASYNCORE_HAS_FILE_DISPATCHER
  input in(client, &map, ec);
  client.input = &in;
  if (ec) {
    std::fprintf(stderr, "tls_client: standard input: %s\n", asyncore::error_text(ec).c_str());
    return example_cli::exit_failure;
  }
#else
  input_thread::get().start(client, &map);
#endif
  asyncore::loop(30.0, asyncore::backend::poll, &map, std::nullopt, ec);
  if (ec) std::fprintf(stderr, "tls_client: %s\n", asyncore::error_text(ec).c_str());
#if !ASYNCORE_HAS_FILE_DISPATCHER
  input_thread::get().detach();
#endif
  return g_status;
}
