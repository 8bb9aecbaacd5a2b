// SPDX-License-Identifier: MIT
// Re-entrant hooks: a hook may push, close itself or another channel, poll
// its own map, and delete another owned channel (the README's
// "Re-entrancy"). One regression test per defect of the hardening issue, each
// over every backend; the memory-safety ones fail under the sanitize leg
// (ASan) without the fix, the race under the tsan leg.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asyncore::backend;
using asyncore_test::param;

class Reentrancy : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  backend be() const { return GetParam().be; }
};

// A connected pair: `a` for the channel, `peer` used raw by the test.
struct pair {
  asyncore::socket a, peer;
  pair() {
    std::error_code ec;
    EXPECT_TRUE(asyncore::socket_pair(a, peer, ec)) << ec.message();
  }
};

// Reads what is there now; sets `eof` at end of stream.
std::string drain(asyncore::socket& s, bool* eof = nullptr) {
  std::string out;
  char buf[65536];
  for (;;) {
    std::error_code ec;
    const std::size_t n = s.recv(buf, sizeof buf, ec);
    if (ec) break;
    if (n == 0) {
      if (eof) *eof = true;
      break;
    }
    out.append(buf, n);
  }
  return out;
}

void send_all(asyncore::socket& s, const std::string& data) {
  std::error_code ec;
  const std::size_t n = s.send(data.data(), data.size(), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(n, data.size());
}

// Records what it frames; each hook can be given a test action.
class recorder : public asyncore::async_chat {
 public:
  recorder(asyncore::socket s, asyncore::socket_map* map) : async_chat(map) {
    set_socket(std::move(s), map);
    connected = true;
    set_terminator("\n");
  }
  void collect_incoming_data(std::string_view d) override { current.append(d); }
  void found_terminator() override {
    records.push_back(current);
    current.clear();
    if (on_record) on_record(records.back());
  }
  void handle_close() override {
    ++closes;
    if (on_close) {
      on_close();
    } else {
      close();
    }
  }
  void handle_error(const asyncore::error_cause& c) override {
    errors.push_back(c.what);
    if (on_error) {
      on_error();
    } else {
      close();
    }
  }
  std::string current;
  std::vector<std::string> records;
  std::vector<std::string> errors;
  int closes = 0;
  std::function<void(const std::string&)> on_record;
  std::function<void()> on_close;
  std::function<void()> on_error;
};

// A producer that runs an action on its first more().
class acting_producer : public asyncore::producer {
 public:
  acting_producer(std::string data, std::function<void()> act) : data_(std::move(data)), act_(std::move(act)) {}
  std::string_view more() override {
    if (act_) {
      auto act = std::move(act_);
      act_ = nullptr;
      act();
    }
    if (done_) return {};
    done_ = true;
    return data_;
  }

 private:
  std::string data_;
  std::function<void()> act_;
  bool done_ = false;
};

// 1. A producer's more() that pushes and queues a close while the output
// FIFO is full: the FIFO grows under the send loop.
TEST_P(Reentrancy, test_producer_more_pushes_while_queue_is_full) {
  asyncore::socket_map map;
  pair p;
  recorder ch(asyncore::socket(), &map);
  ch.set_socket(std::move(p.a), &map);
  ch.connected = false;  // queue without sending, as before a connect completes
  recorder* c = &ch;
  ch.push_with_producer(std::make_unique<acting_producer>("abc", [c] {
    c->push("y");
    c->close_when_done();  // a new entry: the full ring grows
    c->push("z");
  }));
  ch.push("x");  // the ring (two entries) is full
  ch.connected = true;
  std::string got;
  bool eof = false;
  ch.initiate_send();
  EXPECT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer, &eof);
        return eof;
      },
      map, be()));
  EXPECT_EQ(got, "abcxy");  // the close queued inside more() runs before "z"
  EXPECT_EQ(ch.closes, 1);
}

// 2. A handle_close that queues output (a producer and a close) instead of
// closing, run from inside the send loop by a disconnect.
TEST_P(Reentrancy, test_handle_close_queues_output_from_send) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  recorder* c = &ch;
  ch.on_close = [c] {
    if (c->closes == 1) {
      c->push_with_producer(std::make_unique<asyncore::simple_producer>("goodbye"));
      c->push_with_producer(std::make_unique<asyncore::simple_producer>("again"));
      c->close_when_done();
    } else {
      c->close();
    }
  };
  p.peer.close();  // sends now fail: broken pipe or reset
  const std::string chunk(4096, 'q');
  EXPECT_TRUE(asyncore_test::loop_until(
      [&] {
        if (ch.connected) {
          // Through the queue (not push's direct send), so that the failing
          // send runs inside the send loop with a queued entry.
          ch.connected = false;
          ch.push(chunk);
          ch.connected = true;
          ch.initiate_send();
        }
        return !ch.socket().is_open();
      },
      map, be()));
  EXPECT_GE(ch.closes, 1);
  EXPECT_TRUE(ch.errors.empty()) << ch.errors.front();
}

#if ASYNCORE_HAS_EXCEPTIONS
// 3. A hook that throws during a read: the cork is lifted, so what is pushed
// afterwards is sent; the unframed rest of the read is framed next time.
TEST_P(Reentrancy, test_cork_lifted_when_hook_throws) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  recorder* c = &ch;
  ch.on_record = [c](const std::string& r) {
    c->push("r:" + r + "\n");
    if (r == "a") throw std::runtime_error("boom");
  };
  ch.on_error = [] {};  // log and keep the channel open
  send_all(p.peer, "a\nb\n");
  std::string got;
  ASSERT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer);
        return got == "r:a\n";
      },
      map, be()))
      << "got " << got;
  ASSERT_EQ(ch.errors.size(), 1u);
  ch.push("later\n");
  send_all(p.peer, "c\n");
  ASSERT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer);
        return ch.records.size() == 3 && got == "r:a\nlater\nr:b\nr:c\n";
      },
      map, be()))
      << "got " << got;
  EXPECT_EQ(ch.records, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(ch.writable());  // nothing left: the loop does not spin
}
#endif

// 4. A hook that polls its own map: the nested read appends to the input
// being framed (CPython 3.11 delivers [a][b][c]).
TEST_P(Reentrancy, test_nested_poll_appends_input) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  recorder* c = &ch;
  asyncore::socket* peer = &p.peer;
  const backend b = be();
  std::vector<std::string> seen_after_nested;
  ch.on_record = [&, c, peer, b](const std::string& r) {
    if (r != "a") return;
    send_all(*peer, "c\n");
    std::error_code ec;
    asyncore::poll_once(5.0, b, &map, ec);
    EXPECT_FALSE(ec) << ec.message();
    seen_after_nested = c->records;
  };
  send_all(p.peer, "a\nb\n");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.records.size() >= 3; }, map, be()));
  EXPECT_EQ(ch.records, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(seen_after_nested, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ch.buffered_input(), 0u);
}

// 4b. The same with a partial delimiter left by the nested read.
TEST_P(Reentrancy, test_nested_poll_keeps_partial_delimiter) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  ch.set_terminator("\r\n");
  asyncore::socket* peer = &p.peer;
  const backend b = be();
  ch.on_record = [&, peer, b](const std::string& r) {
    if (r != "a") return;
    send_all(*peer, "c\r");
    std::error_code ec;
    asyncore::poll_once(5.0, b, &map, ec);
  };
  send_all(p.peer, "a\r\nb\r\n");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.records.size() >= 2 && ch.buffered_input() == 1; }, map, be()));
  send_all(p.peer, "\nd\r\n");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.records.size() >= 4; }, map, be()));
  EXPECT_EQ(ch.records, (std::vector<std::string>{"a", "b", "c", "d"}));
}

// 5. A channel made with map A and registered in map B reads through B's
// buffer: two maps on two threads share nothing (the tsan leg checks it,
// every build checks the bytes).
TEST_P(Reentrancy, test_read_buffer_comes_from_registration_map) {
  ASYNCORE_SKIP_IF_SINGLE_THREADED_STACK();
  asyncore::socket_map a_map, b_map;
  pair pa, pb;
  recorder x(std::move(pa.a), &a_map);
  recorder y(asyncore::socket(), &a_map);  // constructed for A ...
  y.set_socket(std::move(pb.a), &b_map);   // ... registered in B
  y.connected = true;
  x.set_terminator(std::nullopt);
  y.set_terminator(std::nullopt);
  x.set_max_record_size(0);
  y.set_max_record_size(0);
  x.ac_in_buffer_size = 512;
  y.ac_in_buffer_size = 512;
  const std::size_t total = 256 * 1024;
  auto pattern = [](char seed, std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 97));
    return s;
  };
  const std::string xs = pattern('a', total), ys = pattern('A', total);
  auto run = [&](recorder& ch, asyncore::socket_map& m, asyncore::socket& peer, const std::string& data) {
    std::size_t sent = 0;
    const backend b = be();
    asyncore_test::loop_until(
        [&] {
          if (sent < data.size()) {
            std::error_code ec;
            sent += peer.send(data.data() + sent, std::min<std::size_t>(4096, data.size() - sent), ec);
          }
          return ch.current.size() >= data.size();
        },
        m, b, 20.0);
  };
  std::thread t([&] { run(y, b_map, pb.peer, ys); });
  run(x, a_map, pa.peer, xs);
  t.join();
  EXPECT_TRUE(x.current == xs) << "channel x read " << x.current.size() << " bytes, corrupted or short";
  EXPECT_TRUE(y.current == ys) << "channel y read " << y.current.size() << " bytes, corrupted or short";
}

// 6. ac_in_buffer_size near SIZE_MAX ("read everything") with a partial
// delimiter held: the read size is clamped, nothing is written past a buffer.
TEST_P(Reentrancy, test_huge_in_buffer_size_is_clamped) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  ch.set_terminator("\r\n");
  ch.ac_in_buffer_size = 3;  // the map's read buffer is 3 bytes so far
  send_all(p.peer, "ab\r");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.buffered_input() == 1; }, map, be()));
  ch.ac_in_buffer_size = static_cast<std::size_t>(-1);  // held + this wrapped to 0
  const std::string tail(200, 'z');
  send_all(p.peer, "\ncd" + tail + "\r\n");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.records.size() == 2; }, map, be()));
  EXPECT_EQ(ch.records, (std::vector<std::string>{"ab", "cd" + tail}));
}

// 7. An owned channel whose destructor deletes another owned channel that
// closed after it: each is freed once.
int g_destroyed = 0;
class owner_of_other : public asyncore::dispatcher {
 public:
  owner_of_other(asyncore::socket s, asyncore::socket_map* map) : dispatcher(map) { set_socket(std::move(s), map); }
  ~owner_of_other() override {
    ++g_destroyed;
    delete other;  // the API allows deleting an owned channel by hand
  }
  bool writable() override { return false; }
  void handle_read() override {
    char c;
    std::error_code ec;
    (void)recv(&c, 1, ec);
    close();
    if (other) other->close();  // both closed in this iteration
  }
  dispatcher* other = nullptr;
};
class counted : public asyncore::dispatcher {
 public:
  counted(asyncore::socket s, asyncore::socket_map* map) : dispatcher(map) { set_socket(std::move(s), map); }
  ~counted() override { ++g_destroyed; }
  bool writable() override { return false; }
  void handle_read() override {}
};

TEST_P(Reentrancy, test_owned_destructor_deletes_owned) {
  g_destroyed = 0;
  asyncore::socket_map map;
  pair p1, p2;
  auto* a = asyncore::make_owned<owner_of_other>(std::move(p1.a), &map);
  a->other = asyncore::make_owned<counted>(std::move(p2.a), &map);
  send_all(p1.peer, "x");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return map.empty(); }, map, be()));
  std::error_code ec;
  asyncore::poll_once(0, be(), &map, ec);  // collect at depth 0
  EXPECT_EQ(g_destroyed, 2);
}

#if ASYNCORE_HAS_EXCEPTIONS
// 8. A handler that throws a disconnect, then a handle_close that throws:
// handle_error gets the second exception; nothing leaves loop().
class double_thrower : public asyncore::dispatcher {
 public:
  double_thrower(asyncore::socket s, asyncore::socket_map* map) : dispatcher(map) { set_socket(std::move(s), map); }
  bool writable() override { return false; }
  void handle_read() override {
    throw std::system_error(std::make_error_code(std::errc::connection_reset), "handler");
  }
  void handle_close() override {
    ++closes;
    throw std::runtime_error("close failed");
  }
  void handle_error(const asyncore::error_cause& c) override {
    errors.push_back(c.what);
    close();
  }
  int closes = 0;
  std::vector<std::string> errors;
};

TEST_P(Reentrancy, test_handle_close_throwing_after_disconnect_goes_to_handle_error) {
  asyncore::socket_map map;
  pair p;
  double_thrower d(std::move(p.a), &map);
  send_all(p.peer, "x");
  EXPECT_NO_THROW(asyncore::loop(1.0, be(), &map, 10));
  EXPECT_EQ(d.closes, 1);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0], "close failed");
  EXPECT_FALSE(d.socket().is_open());
}
#endif

// 9. set_terminator(nullptr) is None (it used to reach strlen).
TEST(ReentrancyApi, test_set_terminator_nullptr_is_none) {
  asyncore::socket_map map;
  recorder ch(asyncore::socket(), &map);
  ch.set_terminator("\n");
  ch.set_terminator(nullptr);
  EXPECT_TRUE(ch.get_terminator().is_none());
}

// 10. dispatcher_with_send keeps dispatcher::send's error_code overloads.
TEST_P(Reentrancy, test_dispatcher_with_send_keeps_send_overloads) {
  asyncore::socket_map map;
  pair p;
  std::error_code ec;
  asyncore::dispatcher_with_send d(std::move(p.a), &map, ec);
  ASSERT_FALSE(ec);
  const std::size_t n1 = d.send("ab", 2, ec);  // dispatcher::send(p, n, ec)
  EXPECT_FALSE(ec);
  const std::size_t n2 = d.send(std::string_view("cd"), ec);  // dispatcher::send(view, ec)
  EXPECT_FALSE(ec);
  d.send(std::string_view("ef"));  // the queueing send
  EXPECT_EQ(n1 + n2, 4u);
  std::string got;
  ASSERT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer);
        return got.size() >= 6;
      },
      map, be()));
  EXPECT_EQ(got, "abcdef");
  d.close();
}

// 14. discard_buffers() after close_when_done() in a hook drops the queued
// close with the rest of the queue (CPython); what was pushed before is sent,
// as CPython's push sends at once.
TEST_P(Reentrancy, test_discard_buffers_drops_queued_close) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  recorder* c = &ch;
  ch.on_record = [c](const std::string&) {
    c->push("x");
    c->close_when_done();
    c->discard_buffers();
  };
  send_all(p.peer, "a\n");
  std::string got;
  ASSERT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer);
        return ch.records.size() == 1 && got == "x";
      },
      map, be()));
  std::error_code ec;
  asyncore::poll_once(0.05, be(), &map, ec);
  EXPECT_EQ(ch.closes, 0);
  EXPECT_TRUE(ch.socket().is_open());
  EXPECT_FALSE(ch.has_output());
  ch.close();
}

// 15. close_when_done() then close() in one hook: close() never calls
// handle_close() (Python).
TEST_P(Reentrancy, test_close_after_close_when_done_calls_no_handle_close) {
  asyncore::socket_map map;
  pair p;
  recorder ch(std::move(p.a), &map);
  recorder* c = &ch;
  ch.on_record = [c](const std::string&) {
    c->push("bye");
    c->close_when_done();
    c->close();
  };
  send_all(p.peer, "a\n");
  ASSERT_TRUE(asyncore_test::loop_until([&] { return !ch.socket().is_open(); }, map, be()));
  EXPECT_EQ(ch.closes, 0);
  bool eof = false;
  std::string got;
  ASSERT_TRUE(asyncore_test::loop_until(
      [&] {
        got += drain(p.peer, &eof);
        return eof;
      },
      map, be()));
  EXPECT_EQ(got, "bye");
}

// The log sink may be replaced while loops on other threads log (the tsan
// leg checks the race; every build checks that no line is lost).
std::atomic<int> g_lines_a{0}, g_lines_b{0};
void sink_a(void*, asyncore::log_stream, std::string_view) { ++g_lines_a; }
void sink_b(void*, asyncore::log_stream, std::string_view) { ++g_lines_b; }

TEST(ReentrancyApi, test_set_log_sink_while_logging) {
  g_lines_a = 0;
  g_lines_b = 0;
  asyncore::set_log_sink(&sink_a, nullptr);
  std::atomic<bool> stop{false};
  std::thread t([&] {
    for (int i = 0; i < 2000; ++i) asyncore::set_log_sink((i & 1) ? &sink_a : &sink_b, nullptr);
    stop = true;
  });
  int written = 0;
  asyncore::socket_map map;
  asyncore::dispatcher d(&map);
  while (!stop || written < 100) {
    d.log("line");
    ++written;
  }
  t.join();
  asyncore::set_log_sink(nullptr, nullptr);
  EXPECT_EQ(g_lines_a + g_lines_b, written);
}

INSTANTIATE_TEST_SUITE_P(asyncore, Reentrancy, testing::ValuesIn(asyncore_test::backend_params()),
                         asyncore_test::param_name);

}  // namespace
