// SPDX-License-Identifier: MIT
// CPython's test_asynchat.py, ported: every ★ case with CPython's class and
// test names (test_line_terminator1..3, test_numeric_terminator1..2,
// test_none_terminator, test_simple_producer, test_string_producer,
// test_empty_line, test_close_when_done, test_push, test_blockingioerror,
// test_find_prefix_at_end, test_disallow_negative_terminator), the socket
// ones over every backend (select, poll, epoll) and family (IPv4, IPv6,
// AF_UNIX) of tests/support.hpp, plus the output-side behaviour of spec §4.5
// item 10 and §5 items 2, 4, 6 and 12.
//
// The rig: CPython's echo_server is a blocking thread that reads one byte at
// a time until b'QUIT\n', then echoes the rest in `chunk_size` pieces and
// closes. Here the same server is a channel in the same loop (one byte per
// read event, one chunk per write event), so the test needs no thread and no
// sleep; every run is bounded by a deadline.
#include <asyncore/asynchat.hpp>
#include <asyncore/loop.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using asyncore::backend;
using asyncore::family;
using asyncore::terminator;
using asyncore_test::param;

const std::string server_quit = "QUIT\n";

struct server_state {
  std::string received;  // what the server read, QUIT\n stripped
  bool quit = false;
  bool closed = false;
};

class echo_handler : public asyncore::dispatcher {
 public:
  echo_handler(asyncore::socket s, asyncore::socket_map* map, server_state& st, std::size_t chunk, bool echo)
      : dispatcher(map), st_(st), chunk_(chunk), echo_(echo) {
    set_socket(std::move(s), map);
    connected = true;
  }
  // Reads until QUIT; a server that does not echo reads on until the end.
  bool readable() override { return !st_.quit || !echo_; }
  bool writable() override { return st_.quit && echo_; }
  void handle_read() override {
    char c;
    std::error_code ec;
    if (recv(&c, 1, ec) != 1) return;
    buf_ += c;
    if (!st_.quit && buf_.size() >= server_quit.size() &&
        buf_.compare(buf_.size() - server_quit.size(), server_quit.size(), server_quit) == 0) {
      st_.quit = true;
      st_.received = buf_.substr(0, buf_.size() - server_quit.size());
    }
  }
  void handle_write() override {
    std::error_code ec;
    const std::string& out = st_.received;
    std::size_t n = std::min(chunk_, out.size() - pos_);
    pos_ += send(out.data() + pos_, n, ec);
    if (pos_ == out.size()) close();  // CPython's server closes after echoing
  }
  void handle_close() override {
    st_.closed = true;
    close();
  }

 private:
  server_state& st_;
  std::size_t chunk_;
  bool echo_;
  std::string buf_;
  std::size_t pos_ = 0;
};

class echo_server : public asyncore::dispatcher {
 public:
  echo_server(asyncore::socket_map* map, family f, std::size_t chunk, bool echo = true)
      : dispatcher(map), chunk_(chunk), echo_(echo) {
    std::error_code ec;
    create_socket(f, asyncore::socket_type::stream, ec);
    EXPECT_FALSE(ec) << ec.message();
    const asyncore::address where = asyncore_test::bind_address(f);
    if (!where.is_local()) set_reuse_addr();
    bind(where, ec);
    EXPECT_FALSE(ec) << ec.message();
    listen(5, ec);
    EXPECT_FALSE(ec) << ec.message();
    address_ = where.is_local() ? where : socket().getsockname(ec);
  }
  ~echo_server() override { asyncore_test::unlink_address(address_); }
  void handle_accepted(asyncore::socket s, const asyncore::address&) override {
    asyncore::make_owned<echo_handler>(std::move(s), map(), state, chunk_, echo_);
    close();  // one client, as CPython's server
  }
  const asyncore::address& address() const { return address_; }
  server_state state;

 private:
  std::size_t chunk_;
  bool echo_;
  asyncore::address address_;
};

class echo_client : public asyncore::async_chat {
 public:
  echo_client(asyncore::socket_map* map, const terminator& t, const asyncore::address& a) : async_chat(map) {
    set_terminator(t);
    std::error_code ec;
    create_socket(a.get_family(), asyncore::socket_type::stream, ec);
    EXPECT_FALSE(ec) << ec.message();
    connect(a, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  void handle_connect() override {}
  void collect_incoming_data(std::string_view data) override { buffer.append(data.data(), data.size()); }
  void found_terminator() override {
    contents.push_back(buffer);
    buffer.clear();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    errors.push_back(cause.what);
    async_chat::handle_error(cause);
  }
  std::vector<std::string> contents;
  std::string buffer;
  std::vector<std::string> errors;
};

// Runs the map until it empties (client and server both closed), bounded.
void run(asyncore::socket_map& map, backend b) {
  EXPECT_TRUE(asyncore_test::loop_until([&] { return map.empty(); }, map, b, 20.0))
      << "the exchange did not finish within 20 s";
}

class TestAsynchat : public ::testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  backend be() const { return GetParam().be; }
  family fam() const { return GetParam().fam; }

  std::vector<std::string> line_terminator_check(const std::string& term, std::size_t server_chunk) {
    asyncore::socket_map map;
    echo_server s(&map, fam(), server_chunk);
    echo_client c(&map, terminator::of_bytes(term), s.address());
    c.push("hello ");
    c.push("world" + term);
    c.push("I'm not dead yet!" + term);
    c.push(server_quit);
    run(map, be());
    EXPECT_TRUE(c.errors.empty());
    return c.contents;
  }

  void numeric_terminator_check(std::size_t termlen) {
    asyncore::socket_map map;
    echo_server s(&map, fam(), 1);
    echo_client c(&map, terminator::of_count(termlen), s.address());
    const std::string data = "hello world, I'm not dead yet!\n";
    c.push(data);
    c.push(server_quit);
    run(map, be());
    EXPECT_EQ(c.contents, std::vector<std::string>{data.substr(0, termlen)});
  }
};

const std::vector<std::string> two_lines = {"hello world", "I'm not dead yet!"};

TEST_P(TestAsynchat, test_line_terminator1) {
  // one-character terminator
  for (std::size_t l : {1, 2, 3}) EXPECT_EQ(line_terminator_check("\n", l), two_lines) << "chunk " << l;
}

TEST_P(TestAsynchat, test_line_terminator2) {
  // two-character terminator
  for (std::size_t l : {1, 2, 3}) EXPECT_EQ(line_terminator_check("\r\n", l), two_lines) << "chunk " << l;
}

TEST_P(TestAsynchat, test_line_terminator3) {
  // three-character terminator
  for (std::size_t l : {1, 2, 3}) EXPECT_EQ(line_terminator_check("qqq", l), two_lines) << "chunk " << l;
}

TEST_P(TestAsynchat, test_numeric_terminator1) {
  // Try reading a fixed number of bytes
  numeric_terminator_check(1);
}

TEST_P(TestAsynchat, test_numeric_terminator2) { numeric_terminator_check(6); }

TEST_P(TestAsynchat, test_none_terminator) {
  // Try reading a fixed number of bytes
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1);
  echo_client c(&map, terminator::none(), s.address());
  const std::string data = "hello world, I'm not dead yet!\n";
  c.push(data);
  c.push(server_quit);
  run(map, be());
  EXPECT_TRUE(c.contents.empty());
  EXPECT_EQ(c.buffer, data);
}

TEST_P(TestAsynchat, test_simple_producer) {
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1);
  echo_client c(&map, terminator::of_bytes("\n"), s.address());
  const std::string data = "hello world\nI'm not dead yet!\n";
  c.push_with_producer(std::make_unique<asyncore::simple_producer>(data + server_quit, 8));
  run(map, be());
  EXPECT_EQ(c.contents, two_lines);
}

// CPython pushes a bytes object as a producer (sliced at send time). The
// C++ equivalent: a user producer that hands out the whole string at once.
class string_producer : public asyncore::producer {
 public:
  explicit string_producer(std::string s) : s_(std::move(s)) {}
  std::string_view more() override {
    if (done_) return {};
    done_ = true;
    return s_;
  }

 private:
  std::string s_;
  bool done_ = false;
};

TEST_P(TestAsynchat, test_string_producer) {
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1);
  echo_client c(&map, terminator::of_bytes("\n"), s.address());
  const std::string data = "hello world\nI'm not dead yet!\n";
  c.push_with_producer(std::make_unique<::string_producer>(data + server_quit));
  run(map, be());
  EXPECT_EQ(c.contents, two_lines);
}

TEST_P(TestAsynchat, test_empty_line) {
  // checks that empty lines are handled correctly
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1);
  echo_client c(&map, terminator::of_bytes("\n"), s.address());
  c.push("hello world\n\nI'm not dead yet!\n");
  c.push(server_quit);
  run(map, be());
  EXPECT_EQ(c.contents, (std::vector<std::string>{"hello world", "", "I'm not dead yet!"}));
}

TEST_P(TestAsynchat, test_close_when_done) {
  // The server does not echo: the client closes once its queue is flushed,
  // so it receives nothing, and the server got everything pushed before.
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1, /*echo=*/false);
  echo_client c(&map, terminator::of_bytes("\n"), s.address());
  c.push("hello world\nI'm not dead yet!\n");
  c.push(server_quit);
  c.close_when_done();
  EXPECT_TRUE(c.has_output());
  run(map, be());
  EXPECT_TRUE(c.contents.empty());
  EXPECT_GT(s.state.received.size(), 0u);
  EXPECT_EQ(s.state.received, "hello world\nI'm not dead yet!\n");
  EXPECT_TRUE(s.state.closed);
  EXPECT_FALSE(c.registered());
}

// push(10) and push(u'unicode') raise TypeError in CPython; in C++ they do
// not compile. (A std::string holds bytes, so the second has no analogue.)
static_assert(!std::is_invocable<void (asyncore::async_chat::*)(std::string_view), echo_client&, int>::value,
              "push(int) must not compile");

TEST_P(TestAsynchat, test_push) {
  // Every byte-ish argument is accepted, and copied: changing the caller's
  // buffer after push() does not change what is sent (CPython aliases).
  asyncore::socket_map map;
  echo_server s(&map, fam(), 1);
  echo_client c(&map, terminator::of_bytes("\n"), s.address());
  const std::string data = "bytes\n";
  c.push(data);                                    // std::string
  c.push(std::string_view(data));                  // std::string_view
  c.push("bytes\n");                               // a literal
  std::vector<char> v(data.begin(), data.end());   // any contiguous bytes
  c.push(std::string_view(v.data(), v.size()));
  v.assign(v.size(), 'X');                         // not seen by the peer
  c.push(server_quit);
  run(map, be());
  EXPECT_EQ(c.contents, (std::vector<std::string>(4, "bytes")));
}

INSTANTIATE_TEST_SUITE_P(asynchat, TestAsynchat, ::testing::ValuesIn(asyncore_test::all_params()),
                         asyncore_test::param_name);

// -- TestAsynchatMocked, TestHelperFunctions, TestNotConnected -------------------

class quiet_chat : public asyncore::async_chat {
 public:
  using async_chat::async_chat;
  void collect_incoming_data(std::string_view) override { ++collected; }
  void found_terminator() override { ++found; }
  void handle_error(const asyncore::error_cause& cause) override {
    errors.push_back(cause);
    async_chat::handle_error(cause);
  }
  int collected = 0;
  int found = 0;
  std::vector<asyncore::error_cause> errors;
};

TEST(TestAsynchatMocked, test_blockingioerror) {
  // A read that would block (issue #16133) is neither an error nor the end.
  asyncore::socket_map map;
  asyncore::socket mine, peer;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(mine, peer, ec)) << ec.message();
  quiet_chat c(&map);
  c.set_socket(std::move(mine), &map);
  c.connected = true;
  c.set_terminator("\n");
  c.handle_read();  // nothing to read: recv would block
  EXPECT_TRUE(c.errors.empty());
  EXPECT_TRUE(c.registered());
  EXPECT_TRUE(c.connected);
  EXPECT_EQ(c.collected, 0);
}

TEST(TestHelperFunctions, test_find_prefix_at_end) {
  EXPECT_EQ(asyncore::find_prefix_at_end("qwerty\r", "\r\n"), 1u);
  EXPECT_EQ(asyncore::find_prefix_at_end("qwertydkjf", "\r\n"), 0u);
  EXPECT_EQ(asyncore::find_prefix_at_end("xqq", "qqq"), 2u);  // spec §3.4
  EXPECT_EQ(asyncore::find_prefix_at_end("", "\r\n"), 0u);
  EXPECT_EQ(asyncore::find_prefix_at_end("ab\r", "\n"), 0u);   // one-byte needle: always 0
  EXPECT_EQ(asyncore::find_prefix_at_end("xaba", "abab"), 3u);
  EXPECT_EQ(asyncore::find_prefix_at_end("abc", ""), 0u);      // CPython: -1
}

TEST(TestNotConnected, test_disallow_negative_terminator) {
  asyncore::socket_map map;
  quiet_chat client(&map);
  client.set_terminator("\n");
  std::error_code ec;
  client.set_terminator(-1, ec);
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(client.get_terminator(), terminator::of_bytes("\n"));  // unchanged
  client.set_terminator(5, ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(client.get_terminator(), terminator::of_count(5));
  client.set_terminator(7u, ec);  // unsigned types: never negative
  EXPECT_EQ(client.get_terminator(), terminator::of_count(7));
#if ASYNCORE_HAS_EXCEPTIONS
  EXPECT_THROW(client.set_terminator(-1), std::system_error);
  try {
    client.set_terminator(-1L);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::invalid_argument);
  }
#else
  client.set_terminator(-1);  // without exceptions: handle_error, where Python's ValueError goes
  ASSERT_EQ(client.errors.size(), 1u);
  EXPECT_EQ(client.errors[0].code, std::errc::invalid_argument);
#endif
  EXPECT_EQ(client.get_terminator(), terminator::of_count(7));
}

// -- the output side (spec §4.5 item 10, §5 items 2, 4, 6, 12) ---------------------

// Reads everything until the end of the stream.
class sink : public asyncore::dispatcher {
 public:
  sink(asyncore::socket s, asyncore::socket_map* map) : dispatcher(map) {
    set_socket(std::move(s), map);
    connected = true;
  }
  bool writable() override { return false; }
  void handle_read() override {
    char buf[65536];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    got.append(buf, n);
  }
  void handle_close() override {
    eof = true;
    close();
  }
  std::string got;
  bool eof = false;
};

struct pair_rig {
  asyncore::socket_map map;
  asyncore::socket mine, peer;
  pair_rig() {
    std::error_code ec;
    EXPECT_TRUE(asyncore::socket_pair(mine, peer, ec)) << ec.message();
  }
};

void run_pair(asyncore::socket_map& map) {
  EXPECT_TRUE(asyncore_test::loop_until([&] { return map.empty(); }, map, backend::poll, 20.0))
      << "did not finish within 20 s";
}

TEST(asynchat_output, writable_only_while_connecting_or_holding_output) {
  pair_rig r;
  quiet_chat c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  EXPECT_FALSE(c.writable());  // not connected, not connecting: CPython says true (and spins)
  c.push("queued while not connected");
  EXPECT_TRUE(c.has_output());
  EXPECT_FALSE(c.writable());
  c.connecting = true;
  EXPECT_TRUE(c.writable());
  c.connecting = false;
  c.connected = true;
  EXPECT_TRUE(c.writable());
  c.initiate_send();
  EXPECT_FALSE(c.has_output());
  EXPECT_FALSE(c.writable());
  EXPECT_TRUE(c.readable());
}

TEST(asynchat_output, one_write_sends_until_the_socket_would_block) {
  pair_rig r;
  quiet_chat c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.connected = true;
  c.ac_out_buffer_size = 1000;  // CPython: one 1000-byte send per event
  const std::string data(50000, 'x');
  c.push(data);
  // Many sends in one go (all 50 where the socket buffer takes 50 KB).
  EXPECT_LT(c.buffered_output(), data.size() - 2 * c.ac_out_buffer_size);
  // A socket that fills up keeps the rest queued, in order.
  std::string big(std::size_t{8} * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  c.push(big);
  EXPECT_GT(c.buffered_output(), 0u);
  EXPECT_LT(c.buffered_output(), big.size());
  EXPECT_TRUE(c.writable());
  c.close_when_done();
  sink s(std::move(r.peer), &r.map);
  run_pair(r.map);
  EXPECT_TRUE(s.eof);
  ASSERT_EQ(s.got.size(), data.size() + big.size());
  EXPECT_TRUE(s.got == data + big);
}

// Hands out "<name>0", "<name>1", ... `count` pieces; checks that it is
// pulled only once everything queued before it went out (what is left queued
// then is what was pushed behind it).
class counting_producer : public asyncore::producer {
 public:
  counting_producer(const asyncore::async_chat& ch, std::string name, int count, std::size_t behind)
      : ch_(ch), name_(std::move(name)), count_(count), behind_(behind) {}
  std::string_view more() override {
    if (i_ == 0) {
      EXPECT_EQ(ch_.buffered_output(), behind_) << name_ << " pulled before the data in front of it went";
    }
    if (i_ == count_) return {};
    piece_ = name_ + std::to_string(i_++);
    return piece_;
  }

 private:
  const asyncore::async_chat& ch_;
  std::string name_;
  int count_;
  std::size_t behind_;
  int i_ = 0;
  std::string piece_;
};

TEST(asynchat_output, fifo_order_lazy_producers_and_close_when_done) {
  pair_rig r;
  quiet_chat c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.push("<");  // queued: not connected yet
  c.push_with_producer(std::make_unique<asyncore::simple_producer>("bcd", 1));
  c.push("|");
  const std::string tail = ">", late = "after close_when_done: never sent";
  c.push_with_producer(std::make_unique<counting_producer>(c, "p", 3, tail.size() + late.size()));
  c.push("");  // queues nothing (CPython: a zero-length send)
  c.push(tail);
  c.close_when_done();
  c.push(late);
  c.connected = true;
  sink s(std::move(r.peer), &r.map);
  run_pair(r.map);
  EXPECT_EQ(s.got, "<bcd|p0p1p2>");
  EXPECT_TRUE(s.eof);
}

TEST(asynchat_output, a_producer_may_push_behind_itself) {
  struct pushing_producer : asyncore::producer {
    asyncore::async_chat& ch;
    int calls = 0;
    explicit pushing_producer(asyncore::async_chat& c) : ch(c) {}
    std::string_view more() override {
      if (calls++ == 0) {
        ch.push("tail");
        return "head";
      }
      return {};
    }
  };
  pair_rig r;
  quiet_chat c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.connected = true;
  c.push_with_producer(std::make_unique<pushing_producer>(c));
  c.close_when_done();
  sink s(std::move(r.peer), &r.map);
  run_pair(r.map);
  EXPECT_EQ(s.got, "headtail");  // "tail" was queued behind the producer
}

TEST(asynchat_output, discard_buffers_drops_output_and_close_when_done) {
  pair_rig r;
  quiet_chat c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.push("dropped");
  c.push_with_producer(std::make_unique<asyncore::simple_producer>("dropped too"));
  c.close_when_done();
  c.discard_buffers();
  EXPECT_FALSE(c.has_output());
  EXPECT_EQ(c.buffered_output(), 0u);
  c.connected = true;
  c.push("kept");
  EXPECT_TRUE(c.registered());  // the close went with the buffers
  c.close_when_done();
  sink s(std::move(r.peer), &r.map);
  run_pair(r.map);
  EXPECT_EQ(s.got, "kept");
}

TEST(asynchat_output, simple_producer_hands_out_views) {
  asyncore::simple_producer p(std::string("hello world"), 4);
  EXPECT_EQ(p.more(), "hell");
  EXPECT_EQ(p.more(), "o wo");
  EXPECT_EQ(p.remaining(), 3u);
  EXPECT_EQ(p.more(), "rld");
  EXPECT_EQ(p.more(), "");
  EXPECT_EQ(p.more(), "");
  asyncore::simple_producer all("abc", 0);  // 0: everything at once
  EXPECT_EQ(all.more(), "abc");
  EXPECT_EQ(all.more(), "");
}

// -- a bulk line echo (issue 16): pushes from a read's hooks ----------------------

// Echoes each line from found_terminator, a hook of the read (where pushes
// are corked), and records how much of each push was left queued.
class line_echo : public asyncore::async_chat {
 public:
  using async_chat::async_chat;
  int reads_ = 0;
  void collect_incoming_data(std::string_view d) override { line_.append(d.data(), d.size()); }
  void handle_read() override {
    ++reads_;
    async_chat::handle_read();
  }
  void found_terminator() override {
    line_ += '\n';
    const std::size_t before = buffered_output();
    push(line_);
    left_queued.push_back(buffered_output() - before);
    read_of.push_back(reads_);
    line_.clear();
  }
  std::vector<std::size_t> left_queued;
  std::vector<int> read_of;  // the read (1, 2, ...) each line ended in

 private:
  std::string line_;
};

// Sends `out`, keeps what comes back.
class feeder : public asyncore::dispatcher_with_send {
 public:
  feeder(asyncore::socket s, asyncore::socket_map* map) : dispatcher_with_send(map) {
    set_socket(std::move(s), map);
    connected = true;
  }
  void handle_read() override {
    std::vector<char> buf(65536);
    std::error_code ec;
    got.append(buf.data(), recv(buf.data(), buf.size(), ec));
  }
  std::string got;
};

TEST(asynchat_bulk, a_large_push_from_a_hook_is_sent_at_once_and_order_is_kept) {
  pair_rig r;
  line_echo c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.connected = true;
  c.set_terminator("\n");
  c.ac_in_buffer_size = 65536;
  c.ac_out_buffer_size = 65536;
  std::string big(300000, '\0');
  for (std::size_t i = 0; i + 1 < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  big.back() = '\n';
  // A short line, a line that spans several reads (its terminator in the
  // last), then short lines that may land behind what the socket did not
  // take of the long one.
  const std::string input = "first\n" + big + "x\ny\n";
  feeder f(std::move(r.peer), &r.map);
  f.send(input);
  ASSERT_TRUE(asyncore_test::loop_until([&] { return f.got.size() >= input.size(); }, r.map, backend::poll, 20.0))
      << "echoed " << f.got.size() << " of " << input.size() << " bytes within 20 s";
  EXPECT_TRUE(f.got == input) << "the echo differs from the input";
  ASSERT_EQ(c.left_queued.size(), 4u);
  // A short push from a hook is queued (sent once the read's hooks return)...
  EXPECT_EQ(c.left_queued[0], 6u);
  // ... a push of at least ac_out_buffer_size with nothing queued before
  // it goes out at once; only what the socket did not take is queued.
  EXPECT_LT(c.left_queued[1], big.size());
  c.close();
  f.close();
}

TEST(asynchat_bulk, a_large_push_behind_queued_output_waits_its_turn) {
  pair_rig r;
  line_echo c(&r.map);
  c.set_socket(std::move(r.mine), &r.map);
  c.connected = true;
  c.set_terminator("\n");
  c.ac_out_buffer_size = 1000;
  // Two lines in one read: the first (short) is queued by the cork, so the
  // second (long) must queue behind it, whole.
  const std::string input = "ab\n" + std::string(5000, 'z') + "\n";
  feeder f(std::move(r.peer), &r.map);
  f.send(input);
  ASSERT_TRUE(asyncore_test::loop_until([&] { return f.got.size() >= input.size(); }, r.map, backend::poll, 20.0));
  EXPECT_TRUE(f.got == input);
  ASSERT_EQ(c.left_queued.size(), 2u);
  EXPECT_EQ(c.left_queued[0], 3u);
  if (c.read_of[0] == c.read_of[1]) {
    // One read (loopback nearly always): behind the corked first line, the
    // long one is queued whole.
    EXPECT_EQ(c.left_queued[1], 5001u);
  } else {
    // The transport split the input (lwIP's small windows on a device): the
    // first line went out when its read's hooks returned, so nothing was
    // queued before the long one, and it was sent at once.
    EXPECT_LT(c.left_queued[1], 5001u);
  }
  c.close();
  f.close();
}

}  // namespace
