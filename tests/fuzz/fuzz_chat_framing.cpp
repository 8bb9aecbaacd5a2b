// SPDX-License-Identifier: MIT
// Fuzz harness: async_chat's input framing and output queue, over a real
// asyncore::socket_pair and a real loop (poll_once on the backend the input
// picks).
//
// The input is a program (see `reader` below for the byte layout):
//   header     backend, then the first session's settings (ac_in_buffer_size
//              from 1 byte up, ac_out_buffer_size, the record limit, the
//              initial terminator), then up to 15 hook actions;
//   operations until the input ends: feed a chunk from the peer and poll,
//              set the terminator (a delimiter of 0-8 bytes, a count, none),
//              push, push a producer (whose more() may push or close),
//              close_when_done, close, end of stream from the peer,
//              discard_buffers, start a new session.
// found_terminator number k runs hook action k % H: change the terminator,
// push, push a producer, close_when_done, close, send more bytes from the
// peer (and poll the map from inside the hook), discard_buffers.
//
// The harness models the framing on its own (struct model: the whole byte
// stream, cut only where the terminators say, independent of read sizes) and
// checks, after every operation once the loop is idle:
//  - the records (bytes given to collect_incoming_data between
//    found_terminator calls) equal the model's: the collected bytes plus the
//    terminators found reproduce the input, whatever ac_in_buffer_size cut
//    it into; get_terminator(), record_size() and buffered_input() agree;
//  - collect_incoming_data never gets an empty chunk; record_size() never
//    passes max_record_size(); a record the model says is longer than the
//    limit ends in handle_error(record_too_long), and only such a record;
//  - once closed (by close, close_when_done, end of stream, the limit), no
//    hook runs: no collect, found, more(), handle_*; what was delivered is a
//    prefix of the model's records (exactly the model's where the close point
//    does not depend on read sizes);
//  - the peer receives exactly the pushed data and the producers' pieces, in
//    the order they were queued (a push from more() goes behind the queue),
//    up to the first close_when_done, then end of stream.
// Any failure prints what failed and aborts (libFuzzer keeps the input).
#include <asyncore/async_chat.hpp>
#include <asyncore/asyncore.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "fuzz_chat_framing: invariant failed (line %d): %s\n", line, what);
  std::abort();
}
#define CHECK(cond)                         \
  do {                                      \
    if (!(cond)) fail(#cond, __LINE__);     \
  } while (0)

// -- the input ---------------------------------------------------------------------

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  std::string bytes(std::size_t max) {
    std::size_t len = u8() % (max + 1);
    if (len > n) len = n;
    std::string s(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return s;
  }
};

// A terminator as the model keeps it.
struct term {
  enum kind_t { none, delimiter, count } kind = none;
  std::string delim;
  std::uint64_t n = 0;
  bool truthy() const { return kind == delimiter ? !delim.empty() : kind == count && n != 0; }
  asyncore::terminator lib() const {
    switch (kind) {
      case delimiter:
        return asyncore::terminator::of_bytes(delim);
      case count:
        return asyncore::terminator::of_count(n);
      default:
        return asyncore::terminator::none();
    }
  }
};

term read_term(reader& r) {
  term t;
  const std::uint8_t k = r.u8();
  switch (k % 4) {
    case 0:
      t.kind = term::none;
      break;
    case 1:
    case 2: {
      t.kind = term::delimiter;
      // Small alphabets make delimiters occur (and overlap) often.
      const std::size_t len = r.u8() % 9;
      const std::uint8_t alpha = r.u8();
      for (std::size_t i = 0; i < len; ++i) {
        const std::uint8_t c = r.u8();
        t.delim += (alpha & 1) ? static_cast<char>('a' + c % 3) : static_cast<char>(c);
      }
      break;
    }
    default:
      t.kind = term::count;
      t.n = r.u8() % 40;
      break;
  }
  return t;
}

// What a producer does: hands out `pieces` (never empty ones); before
// returning piece `push_at` it pushes `push_data`; on call `close_at` it
// closes the channel instead (the piece it returns then must not be sent).
struct producer_script {
  std::vector<std::string> pieces;
  int push_at = -1;
  std::string push_data;
  int close_at = -1;
};

producer_script read_producer(reader& r) {
  producer_script s;
  const int count = r.u8() % 5;
  for (int i = 0; i < count; ++i) {
    std::string piece = r.bytes(12);
    if (piece.empty()) piece = "p";
    s.pieces.push_back(piece);
  }
  const std::uint8_t flags = r.u8();
  if (flags & 1) {
    s.push_at = (flags >> 2) % (count + 1);
    s.push_data = r.bytes(12);
  }
  if (flags & 2) s.close_at = (flags >> 5) % (count + 1);
  return s;
}

enum hook_op : std::uint8_t {
  h_nothing,
  h_set_term,
  h_push,
  h_producer,
  h_close_when_done,
  h_close,
  h_peer_send,
  h_discard,
  h_count
};

struct action {
  hook_op op = h_nothing;
  term t;
  std::string bytes;
  bool poll = false;
  producer_script ps;
};

action read_action(reader& r) {
  action a;
  const std::uint8_t op = r.u8();
  // Terminator changes and pushes are the common cases; a close or discard
  // ends (or blinds) a session, so they are rarer.
  static const hook_op table[16] = {h_nothing, h_set_term,  h_set_term,        h_set_term, h_set_term,  h_push,
                                    h_push,    h_producer,  h_producer,        h_peer_send, h_peer_send, h_nothing,
                                    h_set_term, h_close,    h_close_when_done, h_discard};
  a.op = table[op % 16];
  switch (a.op) {
    case h_set_term:
      a.t = read_term(r);
      break;
    case h_push:
      a.bytes = r.bytes(16);
      break;
    case h_producer:
      a.ps = read_producer(r);
      break;
    case h_peer_send:
      a.bytes = r.bytes(24);
      a.poll = (op & 0x10) != 0;
      break;
    default:
      break;
  }
  return a;
}

constexpr int nested_budget_start = 4;  // peer sends from hooks, per session
constexpr std::size_t output_cap = 32 * 1024;  // far below the socket buffer

// -- the model of the framing ----------------------------------------------------------

struct record {
  std::string content;
  bool found = false;
  bool operator==(const record& o) const { return content == o.content && found == o.found; }
};

struct model {
  const std::vector<action>* actions = nullptr;
  term t;
  std::string pending;          // stream bytes not framed yet (a held partial delimiter)
  std::vector<record> recs{1};  // the last one is the record being collected
  std::uint64_t found_count = 0;
  int nested_budget = nested_budget_start;
  bool stopped = false;  // closed by close() in a hook, top-level close, or end of stream

  static std::size_t prefix_at_end(const std::string& hay, const std::string& needle) {
    for (std::size_t l = needle.size() - 1; l >= 1; --l)
      if (hay.size() >= l && hay.compare(hay.size() - l, l, needle, 0, l) == 0) return l;
    return 0;
  }

  void found() {
    recs.back().found = true;
    recs.emplace_back();
    const std::uint64_t k = found_count++;
    if (actions->empty()) return;
    const action& a = (*actions)[k % actions->size()];
    switch (a.op) {
      case h_set_term:
        t = a.t;
        break;
      case h_close:
        stopped = true;
        break;
      case h_peer_send:
        if (nested_budget > 0) {
          --nested_budget;
          pending += a.bytes;  // the stream goes on with these bytes
        }
        break;
      default:
        break;
    }
  }

  void run() {
    while (!stopped && !pending.empty()) {
      if (!t.truthy()) {
        recs.back().content += pending;
        pending.clear();
      } else if (t.kind == term::count) {
        if (pending.size() < t.n) {
          recs.back().content += pending;
          t.n -= pending.size();
          pending.clear();
        } else {
          recs.back().content.append(pending, 0, static_cast<std::size_t>(t.n));
          pending.erase(0, static_cast<std::size_t>(t.n));
          t.n = 0;
          found();
        }
      } else {
        const std::size_t idx = pending.find(t.delim);
        if (idx != std::string::npos) {
          recs.back().content.append(pending, 0, idx);
          pending.erase(0, idx + t.delim.size());
          found();
        } else {
          const std::size_t keep = t.delim.size() > 1 ? prefix_at_end(pending, t.delim) : 0;
          recs.back().content.append(pending, 0, pending.size() - keep);
          pending.erase(0, pending.size() - keep);
          break;  // wait for more bytes
        }
      }
    }
  }

  void feed(const std::string& bytes) {
    if (stopped) return;
    pending += bytes;
    run();
  }

  void eof() {
    if (stopped) return;
    recs.back().content += pending;  // the held partial delimiter is delivered
    pending.clear();
    stopped = true;
  }
};

// -- the channel ---------------------------------------------------------------------

struct session;

class chat final : public asyncore::async_chat {
 public:
  chat(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec, session* h)
      : async_chat(std::move(s), m, ec), h_(h) {}
  void collect_incoming_data(std::string_view data) override;
  void found_terminator() override;
  void handle_read() override;
  void handle_write() override;
  void handle_close() override;
  void handle_error(const asyncore::error_cause& cause) override;
  void close() override;
  using async_chat::close;

 private:
  session* h_;
};

struct out_entry {
  std::string bytes;  // data, or what a producer hands out before it stops
  bool is_close = false;
  bool cut = false;  // a producer that closed the channel: nothing after it is sent
};

struct session {
  asyncore::socket_map* map = nullptr;
  asyncore::backend be = asyncore::backend::poll;
  const std::vector<action>* actions = nullptr;
  std::unique_ptr<chat> ch;
  asyncore::socket peer;
  std::size_t limit = 0;

  model m;
  std::vector<record> actual{1};
  std::vector<out_entry> out;
  std::size_t out_total = 0;
  std::string received;
  bool peer_eof = false;

  std::uint64_t found_count = 0;
  int nested_budget = nested_budget_start;
  std::uint64_t events = 0;  // handle_read + handle_write calls
  bool closed = false;
  bool overflow = false;
  bool blind = false;   // discard_buffers ran: the models no longer apply
  bool inexact = false; // the close point depends on read sizes
  bool hard_closed = false;  // close() (not close_when_done): what was still queued is dropped

  void hook() { CHECK(!closed && "a hook ran on a closed channel"); }

  void do_push(const std::string& data) {
    if (data.empty() || out_total + data.size() > output_cap) return;
    out_total += data.size();
    out.push_back({data});
    ch->push(data);
  }
  void do_producer(const producer_script& s);
  void do_close_when_done() {
    out.push_back({std::string(), true});
    ch->close_when_done();
  }

  void run_action(const action& a) {
    switch (a.op) {
      case h_nothing:
        break;
      case h_set_term:
        ch->set_terminator(a.t.lib());
        break;
      case h_push:
        do_push(a.bytes);
        break;
      case h_producer:
        do_producer(a.ps);
        break;
      case h_close_when_done:
        inexact = true;  // how much more of the read is framed depends on its size
        do_close_when_done();
        break;
      case h_close:
        hard_closed = true;
        ch->close();
        break;
      case h_peer_send:
        if (nested_budget > 0) {
          --nested_budget;
          peer_send(a.bytes);
          if (a.poll) {
            std::error_code ec;
            asyncore::poll_once(0.0, be, map, ec);  // a nested iteration, from inside the hook
            CHECK(!ec);
          }
        }
        break;
      case h_discard:
        blind = true;
        ch->discard_buffers();
        break;
      default:
        break;
    }
  }

  void peer_send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(static_cast<int>(peer.native_handle()), bytes.data() + off, bytes.size() - off,
                               MSG_NOSIGNAL);
      CHECK(n > 0);
      off += static_cast<std::size_t>(n);
    }
  }

  void drain_peer() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(static_cast<int>(peer.native_handle()), buf, sizeof buf, 0);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      // End of stream; or a reset: a Unix socket closed with unread input
      // resets its peer (Linux), which is how a channel that closed in
      // the middle of the input shows.
      if (n == 0 || errno == ECONNRESET) peer_eof = true;
      break;
    }
  }

  // Polls until an iteration dispatches no read or write and the peer has
  // nothing new to read. The peer is drained between iterations: a Unix
  // socket counts unread bytes against the sender's buffer (1-byte sends
  // fill it after a few hundred), so the channel can only go on writing
  // once the peer reads.
  void settle() {
    for (int i = 0; i < 100000 && !closed; ++i) {
      const std::uint64_t before = events;
      const std::size_t got = received.size();
      std::error_code ec;
      asyncore::poll_once(0.0, be, map, ec);
      CHECK(!ec);
      drain_peer();
      if (events == before && received.size() == got) break;
    }
    drain_peer();
  }

  std::string expected_output() const {
    std::string s;
    for (const out_entry& e : out) {
      if (e.is_close) break;
      s += e.bytes;
      if (e.cut) break;
    }
    return s;
  }

  void check() {
    if (blind) return;
    // Output.
    const std::string want = expected_output();
    if (received != want && std::getenv("FUZZ_VERBOSE")) {
      std::fprintf(stderr, "received %zu [", received.size());
      for (unsigned char c : received) std::fprintf(stderr, "%02x", c);
      std::fprintf(stderr, "]\nwant     %zu [", want.size());
      for (unsigned char c : want) std::fprintf(stderr, "%02x", c);
      std::fprintf(stderr, "] closed=%d\n", static_cast<int>(closed));
    }
    if (closed && hard_closed) {
      // close() drops what was still queued (Python's too): what arrived is
      // a prefix of the output (found by the fuzzer: a producer's output
      // still queued when the record limit closed the channel).
      CHECK(received.size() <= want.size() && want.compare(0, received.size(), received) == 0);
    } else {
      CHECK(received == want);
    }
    if (closed) {
      CHECK(peer_eof);
    } else {
      CHECK(!ch->has_output());
      CHECK(ch->buffered_output() == 0);
      for (const out_entry& e : out) CHECK(!e.is_close && !e.cut);
    }
    // Input.
    const std::vector<record>& e = m.recs;
    const std::vector<record>& a = actual;
    CHECK(a.size() <= e.size());
    const bool exact = !closed || (!inexact && !overflow && m.stopped);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (limit) CHECK(a[i].content.size() <= limit);
      if (exact || i + 1 < a.size()) {
        CHECK(a[i] == e[i]);
      } else {
        CHECK(e[i].content.compare(0, a[i].content.size(), a[i].content) == 0);
        if (a[i].found) CHECK(e[i].found && e[i].content == a[i].content);
      }
    }
    if (exact) CHECK(a.size() == e.size());
    if (overflow) CHECK(limit && e[a.size() - 1].content.size() > limit);
    if (!closed) {
      CHECK(ch->get_terminator() == m.t.lib());
      CHECK(ch->record_size() == a.back().content.size());
      CHECK(ch->buffered_input() == m.pending.size());
      CHECK(!m.stopped);
    }
  }

  void start(reader& r, asyncore::socket_map* mp, asyncore::backend b, const std::vector<action>* acts) {
    map = mp;
    be = b;
    actions = acts;
    m.actions = acts;
    static const std::size_t in_sizes[8] = {1, 2, 3, 5, 8, 17, 64, 65536};
    static const std::size_t out_sizes[4] = {1, 3, 64, 65536};
    static const std::size_t limits[8] = {0, 1, 4, 9, 16, 64, 256, ASYNCORE_DEFAULT_MAX_RECORD};
    const std::uint8_t s = r.u8();
    const std::size_t in_size = in_sizes[s % 8];
    const std::size_t out_size = out_sizes[(s >> 3) % 4];
    limit = limits[(s >> 5) % 8];
    const term t = read_term(r);

    asyncore::socket a;
    std::error_code ec;
    CHECK(asyncore::socket_pair(a, peer, ec));
    ch = std::make_unique<chat>(std::move(a), map, ec, this);
    CHECK(!ec);
    ch->ac_in_buffer_size = in_size;
    ch->ac_out_buffer_size = out_size;
    ch->set_max_record_size(limit);
    ch->set_terminator(t.lib());
    m.t = t;
  }

  void finish() {
    ch.reset();  // unregisters it (closed or not)
    peer.close();
  }
};

class scripted_producer final : public asyncore::producer {
 public:
  scripted_producer(session* h, producer_script s) : h_(h), s_(std::move(s)) {}
  std::string_view more() override {
    h_->hook();
    const int i = calls_++;
    if (i == s_.push_at) h_->do_push(s_.push_data);
    if (i == s_.close_at) {
      h_->inexact = true;
      h_->ch->close();
      return "must not be sent";
    }
    if (static_cast<std::size_t>(i) >= s_.pieces.size()) return {};
    return s_.pieces[static_cast<std::size_t>(i)];
  }

 private:
  session* h_;
  producer_script s_;
  int calls_ = 0;
};

void session::do_producer(const producer_script& s) {
  out_entry e;
  for (int i = 0; i < static_cast<int>(s.pieces.size()); ++i) {
    if (i == s.close_at) {
      e.cut = true;
      break;
    }
    e.bytes += s.pieces[static_cast<std::size_t>(i)];
  }
  if (s.close_at == static_cast<int>(s.pieces.size())) e.cut = true;
  if (out_total + e.bytes.size() > output_cap) return;
  out_total += e.bytes.size();
  out.push_back(e);
  ch->push_with_producer(std::make_unique<scripted_producer>(this, s));
}

void chat::collect_incoming_data(std::string_view data) {
  h_->hook();
  CHECK(!data.empty());
  h_->actual.back().content.append(data.data(), data.size());
  if (!h_->blind) CHECK(record_size() == h_->actual.back().content.size());
  if (max_record_size()) CHECK(record_size() <= max_record_size());
}

void chat::found_terminator() {
  h_->hook();
  CHECK(record_size() == 0);
  h_->actual.back().found = true;
  h_->actual.emplace_back();
  const std::uint64_t k = h_->found_count++;
  if (!h_->actions->empty()) h_->run_action((*h_->actions)[k % h_->actions->size()]);
}

void chat::handle_read() {
  h_->hook();
  ++h_->events;
  async_chat::handle_read();
}

void chat::handle_write() {
  h_->hook();
  ++h_->events;
  async_chat::handle_write();
}

void chat::handle_close() {
  h_->hook();
  async_chat::handle_close();
}

void chat::handle_error(const asyncore::error_cause& cause) {
  h_->hook();
  CHECK(cause.code == asyncore::make_error_code(asyncore::errc::record_too_long));
  CHECK(max_record_size() != 0);
  h_->overflow = true;
  h_->hard_closed = true;
  close();
}

void chat::close() {
  async_chat::close();
  h_->closed = true;
}

void quiet_log(void*, asyncore::log_stream, std::string_view) {}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::signal(SIGPIPE, SIG_IGN);
  asyncore::set_log_sink(quiet_log, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  reader r{data, size};
  static const asyncore::backend backends[3] = {asyncore::backend::select, asyncore::backend::poll,
                                                asyncore::backend::epoll};
  const asyncore::backend be = backends[r.u8() % 3];
  if (!asyncore::has_backend(be)) return 0;
  asyncore::socket_map map;

  std::vector<action> actions(r.u8() % 16);
  std::unique_ptr<session> s = std::make_unique<session>();
  s->start(r, &map, be, &actions);
  for (action& a : actions) a = read_action(r);

  int sessions = 1;
  while (!r.empty()) {
    const std::uint8_t op = r.u8();
    session& h = *s;
    switch (op % 12) {
      case 0:
      case 1:
      case 2:
      case 3: {  // the peer sends a chunk; the loop frames it
        const std::string chunk = r.bytes(64);
        if (h.closed || chunk.empty()) break;
        h.m.feed(chunk);
        h.peer_send(chunk);
        break;
      }
      case 4: {
        const term t = read_term(r);
        if (h.closed) break;
        h.ch->set_terminator(t.lib());
        h.m.t = t;
        break;
      }
      case 5: {
        const std::string d = r.bytes(32);
        if (!h.closed) h.do_push(d);
        break;
      }
      case 6: {
        const producer_script ps = read_producer(r);
        if (!h.closed) h.do_producer(ps);
        break;
      }
      case 7:
        if (!h.closed) h.do_close_when_done();
        break;
      case 8:
        if (!h.closed && (r.u8() & 3) == 0) {
          h.hard_closed = true;
          h.ch->close();
          h.m.stopped = true;
        }
        break;
      case 9:  // end of stream from the peer
        if (!h.closed) {
          h.m.eof();
          std::error_code ec;
          h.peer.shutdown(asyncore::shutdown_type::send, ec);
          CHECK(!ec);
          h.settle();
          CHECK(h.closed);
        }
        break;
      case 10:
        if (!h.closed && (r.u8() & 7) == 0) {
          h.blind = true;
          h.ch->discard_buffers();
        }
        break;
      case 11:  // a new session (the old channel is destroyed, open or not)
        if (sessions < 8) {
          ++sessions;
          h.finish();
          s = std::make_unique<session>();
          s->start(r, &map, be, &actions);
        }
        break;
    }
    s->settle();
    s->check();
  }
  s->finish();
  CHECK(map.empty());
  return 0;
}
