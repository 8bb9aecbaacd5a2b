// SPDX-License-Identifier: MIT
// Fuzz harness: the registry (socket_map) and the loop, with channels that
// create, close and destroy each other from their handlers.
//
// Each channel is a dispatcher on one end of its own asyncore::socket_pair;
// the harness holds the other end (the peer) and sends numbered bytes through
// it, or closes it. Channels are user-owned (held by the harness) or owned by
// the map (make_owned). The input is a backend byte, then operations:
// create, close, destroy (user-owned: its owner drops it; owned and open:
// `delete`), flip readable/writable, the peer sends or closes, set what a
// channel does from its next handler (nothing, close itself, close another,
// destroy another, create one, flip another's interest, poll the map from
// inside the handler, close another's peer), poll, close_all. Between
// operations the loop runs (poll_once, timeout 0).
//
// Checked:
//  - no handler or predicate runs on a closed channel; none on a destroyed
//    one (AddressSanitizer would see the use after free);
//  - handle_read only when the last readable() said true, handle_write only
//    when the last writable() said true; no handle_error at all;
//  - the bytes a channel receives are the peer's, in order; the bytes the
//    peer receives are the channel's, in order;
//  - after every operation: size() is the number of open channels, find()
//    gives each one for its handle, channels() lists exactly them in
//    registration order, and no channel is registered after it closed;
//  - an owned channel that closed is freed by the end of the next loop
//    iteration (close_all: at once), never twice, never while its handler
//    runs; the map's destructor frees the owned channels still open.
#include <asyncore/asyncore.hpp>

#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

// FUZZ_TRACE=1 in the environment: one line per handler and operation.
const bool tracing = std::getenv("FUZZ_TRACE") != nullptr;
#define TRACE(...)                                   \
  do {                                               \
    if (tracing) std::fprintf(stderr, __VA_ARGS__);  \
  } while (0)

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "fuzz_registry: invariant failed (line %d): %s\n", line, what);
  std::abort();
}
#define CHECK(cond)                     \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (!n) return 0;
    --n;
    return *p++;
  }
};

enum act : std::uint8_t {
  a_nothing,
  a_close_self,
  a_close_other,
  a_destroy_other,
  a_create,
  a_flip_other,
  a_nested_poll,
  a_close_peer,
  a_count
};

class node;
constexpr int max_slots = 24;

struct slot {
  node* p = nullptr;
  std::unique_ptr<node> holder;  // user-owned channels
  asyncore::socket peer;
  bool used = false;
  bool owned = false;
  bool alive = false;
  bool closed = false;
  int running = 0;           // handlers of this channel on the stack
  std::uint8_t to_chan = 0;  // next byte the peer sends
  std::uint8_t chan_got = 0; // next byte the channel expects
  std::uint8_t from_chan = 0;  // next byte the channel sends
  std::uint8_t peer_got = 0;   // next byte the peer expects
  std::uint64_t order = 0;     // registration order
};

// Keeps the map interested in something at all times (it reads; its peer
// never sends). Off by default: it steered around a library bug the harness
// found, now fixed (tests/fuzz_regressions_test.cpp, test_stable_interest_
// dropped_in_idle_iteration_reaches_backend: with the poll and epoll
// backends, a stable channel's interest dropped in an iteration where no
// channel was interested never reached the backend). Build with
// -DFUZZ_REGISTRY_SENTINEL to leave those idle iterations out.
class sentinel final : public asyncore::dispatcher {
 public:
  sentinel(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : dispatcher(std::move(s), m, ec) {}
  bool readable() override { return true; }
  bool writable() override { return false; }
  void handle_read() override { fail("the sentinel's peer never sends", __LINE__); }
  void handle_close() override { fail("the sentinel's peer never closes", __LINE__); }
  asyncore::socket peer;
};

struct harness {
  asyncore::socket_map* map = nullptr;
  std::unique_ptr<sentinel> guard;
  asyncore::backend be = asyncore::backend::poll;
  slot slots[max_slots];
  int nslots = 0;
  std::uint64_t next_order = 0;
  int depth = 0;  // nested polls
  reader* r = nullptr;

  int create(bool owned, std::uint8_t flags);
  void add_sentinel() {
#ifdef FUZZ_REGISTRY_SENTINEL
    guard.reset();
    asyncore::socket s, peer;
    std::error_code ec;
    CHECK(asyncore::socket_pair(s, peer, ec));
    guard = std::make_unique<sentinel>(std::move(s), map, ec);
    CHECK(!ec);
    guard->peer = std::move(peer);
#endif
  }
  void destroy(int i);
  void close_chan(int i);
  void act_on(int self, std::uint8_t action, std::uint8_t arg);
  void poll();
  int pick(std::uint8_t b) const { return nslots ? b % nslots : -1; }
  void peer_send(int i, std::uint8_t n);
  void drain(int i);
  void check_registry(bool after_poll);
};

class node final : public asyncore::dispatcher {
 public:
  node(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec, harness* h, int id, std::uint8_t flags)
      : dispatcher(std::move(s), m, ec), h_(h), id_(id) {
    want_read = flags & 1;
    want_write = (flags & 2) != 0;
    action = static_cast<std::uint8_t>((flags >> 2) % a_count);
    arg = static_cast<std::uint8_t>(flags >> 5);
    if (flags & 0x80) set_stable_predicates();
  }
  ~node() override {
    slot& s = h_->slots[id_];
    CHECK(s.alive);
    CHECK(s.running == 0);
    s.alive = false;
    s.p = nullptr;
  }

  // What the loop iteration running at each nesting depth was told: the
  // answer sampled in it, or (a stable channel not sampled again) the last
  // answer before it began (harness::poll copies that in).
  bool readable() override {
    enter();
    last_r = eff_r[h_->depth] = want_read;
    TRACE("  [%d] readable -> %d (depth %d)\n", id_, last_r, h_->depth);
    leave();
    return last_r;
  }
  bool writable() override {
    enter();
    last_w = eff_w[h_->depth] = want_write;
    TRACE("  [%d] writable -> %d (depth %d)\n", id_, last_w, h_->depth);
    leave();
    return last_w;
  }
  void handle_read() override {
    enter();
    TRACE("  [%d] handle_read (depth %d)\n", id_, h_->depth);
    CHECK(eff_r[h_->depth] && "handle_read although readable() said false");
    char buf[32];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    CHECK(!ec);
    slot& s = h_->slots[id_];
    for (std::size_t k = 0; k < n; ++k) CHECK(static_cast<std::uint8_t>(buf[k]) == s.chan_got++);
    if (!s.closed) h_->act_on(id_, action, arg);
    leave();
  }
  void handle_write() override {
    enter();
    TRACE("  [%d] handle_write (depth %d)\n", id_, h_->depth);
    CHECK(eff_w[h_->depth] && "handle_write although writable() said false");
    slot& s = h_->slots[id_];
    const char b = static_cast<char>(s.from_chan);
    std::error_code ec;
    if (send(&b, 1, ec) == 1) ++s.from_chan;
    CHECK(!ec);
    if (arg & 1) want_write = false;  // one write, then quiet
    if (!s.closed) h_->act_on(id_, action, static_cast<std::uint8_t>(arg + 1));
    leave();
  }
  void handle_close() override {
    enter();
    TRACE("  [%d] handle_close\n", id_);
    close();
    leave();
  }
  void handle_expt() override { enter(); leave(); }
  void handle_error(const asyncore::error_cause& cause) override {
    std::fprintf(stderr, "fuzz_registry: unexpected handle_error: %s (%s)\n", cause.what.c_str(),
                 cause.code.message().c_str());
    fail("no handle_error expected", __LINE__);
  }
  void close() override {
    TRACE("  [%d] close\n", id_);
    dispatcher::close();
    h_->slots[id_].closed = true;
  }

  bool want_read = true, want_write = false;
  bool last_r = false, last_w = false;  // the last answers, whichever iteration asked
  bool eff_r[3] = {}, eff_w[3] = {};
  std::uint8_t action = a_nothing, arg = 0;

 private:
  void enter() {
    slot& s = h_->slots[id_];
    CHECK(s.alive);
    CHECK(!s.closed && "a handler ran on a closed channel");
    ++s.running;
  }
  void leave() { --h_->slots[id_].running; }
  harness* h_;
  int id_;
};

int harness::create(bool owned, std::uint8_t flags) {
  if (nslots == max_slots) return -1;
  const int i = nslots++;
  TRACE("  create [%d] owned %d flags %02x\n", i, owned, flags);
  slot& s = slots[i];
  asyncore::socket a;
  std::error_code ec;
  CHECK(asyncore::socket_pair(a, s.peer, ec));
  s.used = true;
  s.owned = owned;
  s.alive = true;
  s.order = next_order++;
  if (owned) {
    s.p = asyncore::make_owned<node>(std::move(a), map, ec, this, i, flags);
  } else {
    s.holder = std::make_unique<node>(std::move(a), map, ec, this, i, flags);
    s.p = s.holder.get();
  }
  CHECK(!ec);
  return i;
}

// Destroys channel i where the README allows it: a user-owned one at any
// time, an owned one only while open; never one whose handler is running.
void harness::destroy(int i) {
  if (i < 0) return;
  slot& s = slots[i];
  if (!s.alive || s.running) return;
  if (!s.owned) {
    s.holder.reset();
  } else if (!s.closed) {
    delete s.p;
  }
}

void harness::close_chan(int i) {
  if (i < 0) return;
  slot& s = slots[i];
  if (s.alive && !s.closed) s.p->close();
}

void harness::poll() {
  for (int i = 0; i < nslots; ++i) {
    if (!slots[i].alive) continue;
    node* n = slots[i].p;
    n->eff_r[depth] = n->last_r;
    n->eff_w[depth] = n->last_w;
  }
  TRACE(" poll_once (depth %d)\n", depth);
  std::error_code ec;
  asyncore::poll_once(0.0, be, map, ec);
  CHECK(!ec);
}

void harness::peer_send(int i, std::uint8_t n) {
  if (i < 0) return;
  slot& s = slots[i];
  if (!s.peer.is_open()) return;
  for (std::uint8_t k = 0; k < n; ++k) {
    const char b = static_cast<char>(s.to_chan);
    if (::send(static_cast<int>(s.peer.native_handle()), &b, 1, MSG_NOSIGNAL) != 1) break;
    ++s.to_chan;
  }
}

void harness::drain(int i) {
  slot& s = slots[i];
  if (!s.peer.is_open()) return;
  char buf[256];
  for (;;) {
    const ssize_t n = ::recv(static_cast<int>(s.peer.native_handle()), buf, sizeof buf, 0);
    if (n <= 0) break;
    for (ssize_t k = 0; k < n; ++k) CHECK(static_cast<std::uint8_t>(buf[k]) == s.peer_got++);
  }
}

void harness::act_on(int self, std::uint8_t action, std::uint8_t arg) {
  const int other = pick(arg);
  switch (action) {
    case a_nothing:
      break;
    case a_close_self:
      close_chan(self);
      break;
    case a_close_other:
      close_chan(other);
      break;
    case a_destroy_other:
      if (other != self) destroy(other);
      break;
    case a_create:
      create((arg & 1) != 0, static_cast<std::uint8_t>(arg * 37 + 1));
      break;
    case a_flip_other:
      if (other >= 0 && slots[other].alive && !slots[other].closed) {
        node* n = slots[other].p;
        if (arg & 1) n->want_read = !n->want_read;
        else n->want_write = !n->want_write;
        n->interest_changed();
      }
      break;
    case a_nested_poll:
      if (depth < 2) {
        ++depth;
        poll();
        --depth;
      }
      break;
    case a_close_peer:
      if (other >= 0) slots[other].peer.close();
      break;
    default:
      break;
  }
}

void harness::check_registry(bool after_poll) {
  std::vector<asyncore::dispatcher*> open;
  if (guard) {
    CHECK(guard->registered());
    open.push_back(guard.get());
  }
  for (int i = 0; i < nslots; ++i) {
    slot& s = slots[i];
    CHECK(s.running == 0);
    if (s.alive && !s.closed) {
      CHECK(s.p->registered());
      CHECK(map->find(s.p->fileno()) == s.p);
      open.push_back(s.p);
    } else if (s.alive) {
      CHECK(!s.p->registered());
      if (s.owned && after_poll) fail("an owned channel that closed was not freed by the end of the iteration", __LINE__);
    }
    drain(i);
  }
  CHECK(map->size() == open.size());
  CHECK(map->channels() == open);  // slots are in registration order
}

void quiet_log(void*, asyncore::log_stream, std::string_view) {}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::signal(SIGPIPE, SIG_IGN);
  asyncore::set_log_sink(quiet_log, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 2048) return 0;
  reader r{data, size};
  static const asyncore::backend backends[3] = {asyncore::backend::select, asyncore::backend::poll,
                                                asyncore::backend::epoll};
  const asyncore::backend be = backends[r.u8() % 3];
  if (!asyncore::has_backend(be)) return 0;

  auto map = std::make_unique<asyncore::socket_map>();
  auto h = std::make_unique<harness>();
  h->map = map.get();
  h->be = be;
  h->r = &r;
  h->add_sentinel();

  while (!r.empty()) {
    const std::uint8_t op = r.u8();
    const std::uint8_t a = r.u8();
    const std::uint8_t b = r.u8();
    const int target = h->pick(a);
    TRACE("op %u (%u %u) target %d\n", op % 11, a, b, target);
    bool polled = false;
    switch (op % 11) {
      case 0:
      case 1:
        h->create((a & 1) != 0, b);
        break;
      case 2:
        h->close_chan(target);
        break;
      case 3:
        h->destroy(target);
        break;
      case 4:
        if (target >= 0 && h->slots[target].alive && !h->slots[target].closed) {
          node* n = h->slots[target].p;
          if (b & 1) n->want_read = !n->want_read;
          if (b & 2) n->want_write = !n->want_write;
          n->interest_changed();
        }
        break;
      case 5:
      case 6:
        h->peer_send(target, static_cast<std::uint8_t>(b % 40 + 1));
        break;
      case 7:
        if (target >= 0) h->slots[target].peer.close();
        break;
      case 8:
        if (target >= 0 && h->slots[target].alive && !h->slots[target].closed) {
          h->slots[target].p->action = static_cast<std::uint8_t>(b % a_count);
          h->slots[target].p->arg = static_cast<std::uint8_t>(b >> 3);
        }
        break;
      case 9:
        for (int k = 0; k < 1 + b % 4; ++k) h->poll();
        polled = true;
        break;
      case 10:
        if ((b & 7) == 0) {
          asyncore::close_all(map.get());
          for (int i = 0; i < h->nslots; ++i) {
            slot& s = h->slots[i];
            CHECK(!s.alive || (s.closed && !s.owned));
          }
          h->add_sentinel();  // close_all closed it too
        }
        break;
    }
    h->check_registry(false);
    h->poll();
    h->check_registry(true);
    (void)polled;
  }
  // User-owned channels go first (the map must outlive them); the map's
  // destructor frees the owned ones.
  for (int i = 0; i < h->nslots; ++i) h->slots[i].holder.reset();
  h->guard.reset();
  map.reset();
  for (int i = 0; i < h->nslots; ++i) CHECK(!h->slots[i].alive);
  return 0;
}
