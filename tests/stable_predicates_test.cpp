// SPDX-License-Identifier: MIT
// dispatcher::set_stable_predicates (issue 7): a channel that declares its
// readable()/writable() stable is sampled only when something may have
// changed them (new, dispatched, interest_changed()), on every backend; the
// default keeps Python's behaviour (sampled on every iteration).
#include "support.hpp"

#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace asyncore_test {
namespace {

// Counts predicate calls; reads and drops whatever arrives.
class counting : public asyncore::dispatcher {
 public:
  counting(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : dispatcher(std::move(s), m, ec) {}
  int calls = 0;
  int reads = 0;
  bool want_write = false;
  bool readable() override {
    ++calls;
    return true;
  }
  bool writable() override { return want_write; }
  void handle_read() override {
    ++reads;
    char buf[256];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
  int writes = 0;
  void handle_write() override {
    ++writes;
    want_write = false;
  }
  void handle_close() override { close(); }
};

class StablePredicates : public testing::TestWithParam<param> {};

void iterate(asyncore::socket_map& map, backend be, int n) {
  for (int i = 0; i < n; ++i) {
    std::error_code ec;
    asyncore::poll_once(0.001, be, &map, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
}

TEST_P(StablePredicates, test_default_samples_every_iteration) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  counting c(std::move(a), &map, ec);
  iterate(map, GetParam().be, 5);
  EXPECT_EQ(c.calls, 5);
}

TEST_P(StablePredicates, test_idle_stable_channel_is_not_sampled) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  counting c(std::move(a), &map, ec);
  c.set_stable_predicates();
  EXPECT_TRUE(c.stable_predicates());
  iterate(map, GetParam().be, 5);
  EXPECT_EQ(c.calls, 1);  // sampled once (new), then its answer is kept
  EXPECT_EQ(c.reads, 0);

  // Data arrives: the kept interest (readable) still sees it; after the
  // dispatch the channel is sampled again once.
  ASSERT_EQ(b.send("x", 1, ec), 1u) << ec.message();
  iterate(map, GetParam().be, 1);
  EXPECT_EQ(c.reads, 1);
  iterate(map, GetParam().be, 3);
  EXPECT_EQ(c.calls, 2);
}

TEST_P(StablePredicates, test_interest_changed_resamples) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  counting c(std::move(a), &map, ec);
  c.set_stable_predicates();
  iterate(map, GetParam().be, 2);
  EXPECT_EQ(c.writes, 0);
  // Changed from outside its handlers: without interest_changed() the loop
  // keeps the old answer (the documented contract)...
  c.want_write = true;
  iterate(map, GetParam().be, 2);
  EXPECT_EQ(c.writes, 0);
  // ...and with it, the next iteration samples and dispatches.
  c.interest_changed();
  iterate(map, GetParam().be, 2);
  EXPECT_EQ(c.writes, 1);
  // Turning it off restores sampling on every iteration.
  const int before = c.calls;
  c.set_stable_predicates(false);
  iterate(map, GetParam().be, 3);
  EXPECT_EQ(c.calls, before + 3);
}

// Library classes report output queued from outside their handlers.
class quiet_send : public asyncore::dispatcher_with_send {
 public:
  quiet_send(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec)
      : dispatcher_with_send(std::move(s), m, ec) {
    set_stable_predicates();
  }
  explicit quiet_send(asyncore::socket_map* m) : dispatcher_with_send(m) { set_stable_predicates(); }
  void handle_read() override {
    char buf[256];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
  void handle_close() override { close(); }
};

class quiet_chat : public asyncore::async_chat {
 public:
  quiet_chat(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : async_chat(std::move(s), m, ec) {
    set_stable_predicates();
    set_terminator("\n");
  }
  void collect_incoming_data(std::string_view) override {}
  void found_terminator() override {}
};

// Iterates and reads `b` until `want` bytes came (at most 20000 iterations).
std::size_t drain(asyncore::socket& b, asyncore::socket_map& map, backend be, std::size_t want) {
  std::size_t got = 0;
  char buf[65536];
  std::error_code ec;
  for (int i = 0; i < 20000 && got < want; ++i) {
    iterate(map, be, 1);
    for (;;) {
      std::size_t n = b.recv(buf, sizeof buf, ec);
      if (!n) break;
      got += n;
    }
  }
  return got;
}

template <class Channel>
void queued_from_outside(backend be) {
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  Channel c(std::move(a), &map, ec);
  ASSERT_FALSE(ec);
  iterate(map, be, 3);
  // Fill the socket so that the data has to wait for a write event.
  std::string big(1 << 22, 'y');
  if constexpr (std::is_base_of<asyncore::async_chat, Channel>::value) {
    c.push(big);
  } else {
    c.send(big);
  }
  EXPECT_EQ(drain(b, map, be, big.size()), big.size());
}

TEST_P(StablePredicates, test_dispatcher_with_send_output_from_outside) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  queued_from_outside<quiet_send>(GetParam().be);
}

TEST_P(StablePredicates, test_async_chat_push_from_outside) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  queued_from_outside<quiet_chat>(GetParam().be);
}

// -- announced predicates: sampled only when the channel says they changed ---------

TEST_P(StablePredicates, test_announced_dispatched_channel_is_not_sampled) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  counting c(std::move(a), &map, ec);
  ASSERT_FALSE(ec);
  c.set_announced_predicates();
  EXPECT_TRUE(c.stable_predicates());
  iterate(map, GetParam().be, 2);
  const int before = c.calls;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(b.send("x", 1, ec), 1u) << ec.message();
    const int reads = c.reads;
    ASSERT_TRUE(loop_until([&] { return c.reads > reads; }, map, GetParam().be, 10.0));
  }
  iterate(map, GetParam().be, 3);
  EXPECT_EQ(c.calls, before);  // dispatched three times, never sampled again
  c.interest_changed();
  iterate(map, GetParam().be, 3);
  EXPECT_EQ(c.calls, before + 1);
  c.set_stable_predicates(false);  // off: both
  EXPECT_FALSE(c.announced_predicates());
}

// dispatcher_with_send announces what its handlers change: output drained
// (no write event after), a connect completing (no write event after it).
class announced_send : public quiet_send {
 public:
  using quiet_send::quiet_send;
  int writes = 0;
  int connects = 0;
  void handle_write() override {
    ++writes;
    quiet_send::handle_write();
  }
  void handle_connect() override { ++connects; }
};

TEST_P(StablePredicates, test_announced_dispatcher_with_send_drains_and_goes_quiet) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  for (asyncore::socket* s : {&a, &b}) {  // so that 256 KiB need write events everywhere
    std::error_code ignored;
    s->setsockopt(asyncore::sockopt::sndbuf, 16 << 10, ignored);
    s->setsockopt(asyncore::sockopt::rcvbuf, 16 << 10, ignored);
  }
  announced_send c(std::move(a), &map, ec);
  ASSERT_FALSE(ec);
  c.set_announced_predicates();
  iterate(map, GetParam().be, 2);
  std::string big(256 << 10, 'y');  // small enough for the MPS2 board's RAM
  c.send(big);  // from outside a handler: most of it waits for write events
  EXPECT_EQ(drain(b, map, GetParam().be, big.size()), big.size());
  EXPECT_GT(c.writes, 0);
  EXPECT_EQ(c.out_buffer_size(), 0u);
  const int writes = c.writes;
  iterate(map, GetParam().be, 20);
  EXPECT_EQ(c.writes, writes) << "write events after the output drained";
}

TEST_P(StablePredicates, test_announced_dispatcher_with_send_connect) {
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket accepted;
  base_server server(&map, bind_address(family::inet),
                     [&](asyncore::socket sock, asyncore::socket_map*) { accepted = std::move(sock); });
  announced_send c(&map);
  std::error_code ec;
  c.create_socket(family::inet, asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.set_announced_predicates();
  c.connect(server.address_(), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(loop_until([&] { return c.connects == 1 && accepted.is_open(); }, map, GetParam().be, 10.0));
  const int writes = c.writes;
  iterate(map, GetParam().be, 20);
  EXPECT_EQ(c.writes, writes) << "write events after the connect completed";
  EXPECT_EQ(c.connects, 1);
  c.send("ping", 4);
  char buf[8];
  std::size_t got = 0;
  ASSERT_TRUE(loop_until(
      [&] {
        got += accepted.recv(buf + got, sizeof buf - got, ec);
        return got >= 4;
      },
      map, GetParam().be, 10.0));
  EXPECT_EQ(std::string(buf, got), "ping");
}

INSTANTIATE_TEST_SUITE_P(asyncore, StablePredicates, testing::ValuesIn(backend_params()), param_name);

}  // namespace
}  // namespace asyncore_test
