// SPDX-License-Identifier: MIT
// Output water marks (issue 15): with set_output_limits(high, low), a server
// whose peer never reads stops reading once more than `high` bytes are
// queued (so the peer's sends block), holds at most `high` plus one read,
// calls handle_output_high() once, and reads again (handle_output_low())
// once the peer drains. For dispatcher_with_send and async_chat, on every
// backend, with stable predicates (the limits call interest_changed()).
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>

namespace {

using namespace asyncore_test;

constexpr std::size_t high = 64u << 10;
constexpr std::size_t low = 16u << 10;
constexpr std::size_t read_size = 8192;
constexpr std::size_t line_size = 100;

struct stats {
  std::size_t max_queued = 0;
  std::size_t read = 0;  // bytes the server took in
  int highs = 0;
  int lows = 0;
};

void small_buffers(asyncore::socket& s) {
  std::error_code ignored;
  s.setsockopt(asyncore::sockopt::rcvbuf, 64 << 10, ignored);
  s.setsockopt(asyncore::sockopt::sndbuf, 64 << 10, ignored);
}

class send_echo : public asyncore::dispatcher_with_send {
 public:
  send_echo(asyncore::socket sock, asyncore::socket_map* m, stats* st, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), m, ec), st_(st) {
    small_buffers(socket());
    set_stable_predicates();
    set_output_limits(high, low);
  }
  void handle_read() override {
    EXPECT_FALSE(output_paused()) << "read while over the high water mark";
    char buf[read_size];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    st_->read += n;
    if (n) send(buf, n);
    st_->max_queued = std::max(st_->max_queued, out_buffer_size());
  }
  void handle_output_high() override {
    ++st_->highs;
    EXPECT_GT(out_buffer_size(), high);
    EXPECT_FALSE(readable());
  }
  void handle_output_low() override {
    ++st_->lows;
    EXPECT_LE(out_buffer_size(), low);
    EXPECT_TRUE(readable());
  }
  void handle_close() override { close_when_done(); }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "server handle_error: " << c.what;
    close();
  }

 private:
  stats* st_;
};

// With announced predicates: the pause and the resume reach the loop only
// through dispatcher_with_send's own announcements.
class announced_send_echo : public send_echo {
 public:
  announced_send_echo(asyncore::socket sock, asyncore::socket_map* m, stats* st, std::error_code& ec)
      : send_echo(std::move(sock), m, st, ec) {
    set_announced_predicates();
  }
};

class line_echo : public asyncore::async_chat {
 public:
  line_echo(asyncore::socket sock, asyncore::socket_map* m, stats* st, std::error_code& ec)
      : async_chat(std::move(sock), m, ec), st_(st) {
    set_terminator("\n");
    ac_in_buffer_size = read_size;
    small_buffers(socket());
    set_stable_predicates();
    set_output_limits(high, low);
  }
  void handle_read() override {
    EXPECT_FALSE(output_paused()) << "read while over the high water mark";
    async_chat::handle_read();
  }
  void collect_incoming_data(std::string_view data) override {
    st_->read += data.size();
    line_.append(data.data(), data.size());
  }
  void found_terminator() override {
    ++st_->read;
    line_ += '\n';
    push(line_);
    line_.clear();
    st_->max_queued = std::max(st_->max_queued, buffered_output());
  }
  void handle_output_high() override {
    ++st_->highs;
    EXPECT_GT(buffered_output(), high);
    EXPECT_FALSE(readable());
  }
  void handle_output_low() override {
    ++st_->lows;
    EXPECT_LE(buffered_output(), low);
    EXPECT_TRUE(readable());
  }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "server handle_error: " << c.what;
    close();
  }

 private:
  stats* st_;
  std::string line_;
};

// The peer: writes lines while `sending`, reads only while `reading`.
class peer : public asyncore::dispatcher {
 public:
  explicit peer(asyncore::socket_map* m) : dispatcher(m) {
    for (unsigned i = 0; out_.size() < (1u << 20); ++i) {
      std::string line = std::to_string(i) + " ";
      line.resize(line_size - 1, static_cast<char>('a' + i % 26));
      out_ += line + '\n';
    }
  }
  void start(const address& to) {
    std::error_code ec;
    create_socket(to.get_family(), asyncore::socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    small_buffers(socket());
    connect(to, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  bool readable() override { return reading; }
  bool writable() override { return connecting || (sending && sent < send_limit); }
  void handle_connect() override {}
  void handle_write() override {
    std::error_code ec;
    const std::size_t at = sent % out_.size();
    const std::size_t n = send(out_.data() + at, std::min(out_.size() - at, send_limit - sent), ec);
    EXPECT_FALSE(ec) << ec.message();
    sent += n;
  }
  void handle_read() override {
    char buf[65536];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    for (std::size_t i = 0; i < n; ++i) {
      if (buf[i] != out_[(received + i) % out_.size()]) {
        ADD_FAILURE() << "echo differs at byte " << received + i;
        close();
        return;
      }
    }
    received += n;
  }
  void handle_close() override {
    ADD_FAILURE() << "peer: handle_close";
    close();
  }

  bool sending = true;
  bool reading = false;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::size_t send_limit = static_cast<std::size_t>(-1);

 private:
  std::string out_;
};

template <class Server>
void run(backend be, std::size_t extra) {
  map_guard g;
  stats st;
  base_server server(&g.map, bind_address(family::inet), [&](asyncore::socket sock, asyncore::socket_map* m) {
    std::error_code ec;
    asyncore::make_owned<Server>(std::move(sock), m, &st, ec);
    EXPECT_FALSE(ec) << ec.message();
  });
  peer p(&g.map);
  p.start(server.address_());

  // 1. The peer writes and never reads: the server stops reading (and the
  // peer's sends then block in the kernel).
  ASSERT_TRUE(loop_until([&] { return st.highs == 1; }, g.map, be, 10.0))
      << "highs " << st.highs << ", sent " << p.sent;
  // Steady state: more iterations read nothing (bounded: 200 of them),
  // whatever the peer still manages to write into the kernel's buffers.
  const std::size_t read_then = st.read;
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    asyncore::poll_once(0, be, &g.map, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(st.read, read_then) << "the server read while paused";
  EXPECT_EQ(st.highs, 1);
  EXPECT_EQ(st.lows, 0);
  EXPECT_LE(st.max_queued, high + extra);

  // 2. The peer drains: reading resumes (handle_output_low), and the peer
  // gets back all it sent (the line echo: up to the last whole line).
  p.sending = false;
  p.reading = true;
  const std::size_t whole = p.sent - p.sent % line_size;
  ASSERT_TRUE(loop_until([&] { return p.received >= whole && st.read == p.sent; }, g.map, be, 10.0))
      << "received " << p.received << " of " << whole << ", the server read " << st.read << " of " << p.sent;
  EXPECT_GE(st.lows, 1);
  EXPECT_EQ(st.highs, st.lows);
  EXPECT_LE(st.max_queued, high + extra);

  // 3. Writing and reading at once: everything comes back, the limit holds.
  p.sending = true;
  p.send_limit = (p.sent + 16 * high) / line_size * line_size + line_size;  // ends a line
  ASSERT_TRUE(loop_until([&] { return p.received == p.send_limit; }, g.map, be, 10.0))
      << "received " << p.received << " of " << p.send_limit;
  EXPECT_LE(st.max_queued, high + extra);
}

class WaterMarks : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
};

TEST_P(WaterMarks, dispatcher_with_send_echo) { run<send_echo>(GetParam().be, read_size); }

TEST_P(WaterMarks, dispatcher_with_send_echo_announced) { run<announced_send_echo>(GetParam().be, read_size); }

// One read more, and the reply line being framed when the mark passed.
TEST_P(WaterMarks, async_chat_line_echo) { run<line_echo>(GetParam().be, read_size + line_size); }

// The transitions without a loop: queued before the connect, hooks once per
// crossing, limits changed and turned off.
TEST_P(WaterMarks, transitions) {
  map_guard g;
  struct chan : asyncore::dispatcher_with_send {
    using dispatcher_with_send::dispatcher_with_send;
    int highs = 0, lows = 0;
    void handle_output_high() override { ++highs; }
    void handle_output_low() override { ++lows; }
  };
  chan c(&g.map);
  c.set_output_limits(10, 4);
  EXPECT_TRUE(c.readable());
  c.send(std::string(10, 'a'));  // not connected: queued; 10 is not over 10
  EXPECT_EQ(c.highs, 0);
  c.send(std::string(1, 'b'));
  EXPECT_EQ(c.highs, 1);
  EXPECT_TRUE(c.output_paused());
  EXPECT_FALSE(c.readable());
  c.send(std::string(5, 'c'));
  EXPECT_EQ(c.highs, 1);  // once per crossing
  c.set_output_limits(100, 200);  // low above high counts as high: 16 <= 100
  EXPECT_EQ(c.output_low(), 100u);
  EXPECT_EQ(c.lows, 1);
  EXPECT_TRUE(c.readable());
  c.set_output_limits(8, 2);
  EXPECT_EQ(c.highs, 2);
  c.set_output_limits(0, 0);  // off: reading resumes
  EXPECT_EQ(c.lows, 2);
  EXPECT_FALSE(c.output_paused());
  c.send(std::string(1000, 'd'));
  EXPECT_EQ(c.highs, 2);
}

// A hook that closes the channel (a server dropping a slow reader) ends the
// send at once: no further hook, no error.
TEST_P(WaterMarks, high_hook_closes) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  struct chat : asyncore::async_chat {
    using async_chat::async_chat;
    int highs = 0;
    void collect_incoming_data(std::string_view) override {}
    void found_terminator() override { push(std::string(1u << 20, 'x')); }
    void handle_output_high() override {
      ++highs;
      close();
    }
    void handle_output_low() override { ADD_FAILURE() << "handle_output_low after close"; }
    void handle_close() override { ADD_FAILURE() << "handle_close"; }
    void handle_error(const asyncore::error_cause& c) override { ADD_FAILURE() << "handle_error: " << c.what; }
  };
  chat c(std::move(a), &g.map, ec);
  ASSERT_FALSE(ec);
  c.set_terminator("\n");
  c.set_output_limits(64u << 10, 0);
  small_buffers(c.socket());
  ASSERT_EQ(b.send("1\n2\n", 4, ec), 4u);  // the second reply would follow a closed channel
  ASSERT_TRUE(loop_until([&] { return !c.socket().is_open(); }, g.map, GetParam().be, 10.0));
  EXPECT_EQ(c.highs, 1);
}

INSTANTIATE_TEST_SUITE_P(asyncore, WaterMarks, testing::ValuesIn(backend_params()), param_name);

}  // namespace
