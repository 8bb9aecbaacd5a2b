// SPDX-License-Identifier: MIT
// Graceful close (issue 15): a peer that half-closes (shutdown of its write
// side) after sending gets every byte of the echo back, then EOF, from a
// dispatcher_with_send echo (close_when_done() at end of stream) and from an
// async_chat line echo (close_when_done() from handle_close, as the
// examples do). Over every backend and family, through real connections.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace {

using namespace asyncore_test;

constexpr std::size_t big = 4u << 20;  // 4 MiB

// Lines of varying length (no two neighbours alike), `n` bytes in all,
// ending with '\n'.
std::string lines_of(std::size_t n) {
  std::string s;
  s.reserve(n);
  for (unsigned i = 0; s.size() < n; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    line.append(i % 97, static_cast<char>('a' + i % 26));
    line += '\n';
    s += line;
  }
  s.resize(n);
  s.back() = '\n';
  return s;
}

// Small kernel buffers (loopback TCP's grow to several MiB), so the echo
// does not fit in them and the server's queue holds most of it.
void small_buffers(asyncore::socket& s) {
  std::error_code ignored;
  s.setsockopt(asyncore::sockopt::rcvbuf, 64 << 10, ignored);
  s.setsockopt(asyncore::sockopt::sndbuf, 64 << 10, ignored);
}

// The peer: sends `data` (reading meanwhile only when `read_while_sending`),
// shuts down its write side, then reads until EOF. Reads through the raw
// socket so EOF and a reset are told apart.
class half_close_peer : public asyncore::dispatcher {
 public:
  half_close_peer(asyncore::socket_map* m, std::string data, bool read_while_sending)
      : dispatcher(m), data_(std::move(data)), read_while_sending_(read_while_sending) {}
  void start(const address& to) {
    std::error_code ec;
    create_socket(to.get_family(), asyncore::socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    small_buffers(socket());
    connect(to, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  bool readable() override { return shut || read_while_sending_; }
  bool writable() override { return connecting || !shut; }
  void handle_connect() override {}
  void handle_write() override {
    std::error_code ec;
    const std::size_t want = std::min<std::size_t>(data_.size() - sent_, 256u << 10);
    const std::size_t n = send(data_.data() + sent_, want, ec);
    if (ec) {
      ADD_FAILURE() << "peer send: " << ec.message();
      close();
      return;
    }
    sent_ += n;
    if (sent_ == data_.size()) {
      socket().shutdown(asyncore::shutdown_type::send, ec);
      EXPECT_FALSE(ec) << ec.message();
      shut = true;
    }
  }
  void handle_read() override {
    char buf[65536];
    std::error_code ec;
    const std::size_t n = socket().recv(buf, sizeof buf, ec);
    if (ec) {
      if (ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again) return;
      error = ec;
      close();
      return;
    }
    if (n == 0) {
      eof = true;
      close();
      return;
    }
    received.append(buf, n);
  }
  void handle_close() override {
    ADD_FAILURE() << "peer: handle_close (a disconnect while sending)";
    close();
  }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "peer handle_error: " << c.what;
    close();
  }
  bool done() const { return eof || error || !socket().is_open(); }

  bool shut = false;
  bool eof = false;
  std::error_code error;
  std::string received;

 private:
  std::string data_;
  std::size_t sent_ = 0;
  bool read_while_sending_;
};

struct server_stats {
  std::size_t max_queued = 0;
  std::size_t highs = 0;
  bool closed = false;
};

// The echo of examples/echo_server.cpp: close_when_done() at end of stream.
class send_echo : public asyncore::dispatcher_with_send {
 public:
  send_echo(asyncore::socket sock, asyncore::socket_map* m, server_stats* st, std::error_code& ec)
      : dispatcher_with_send(std::move(sock), m, ec), st_(st) {
    small_buffers(socket());
    set_stable_predicates();
  }
  ~send_echo() override { st_->closed = true; }
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
    st_->max_queued = std::max(st_->max_queued, out_buffer_size());
  }
  void handle_close() override {
    close_when_done();
    if (socket().is_open()) {
      EXPECT_FALSE(readable()) << "readable() after close_when_done()";
    }
  }
  void handle_output_high() override { ++st_->highs; }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "server handle_error: " << c.what;
    close();
  }

 private:
  server_stats* st_;
};

// The line echo of examples/line_echo_server.cpp.
class line_echo : public asyncore::async_chat {
 public:
  line_echo(asyncore::socket sock, asyncore::socket_map* m, server_stats* st, std::error_code& ec)
      : async_chat(std::move(sock), m, ec), st_(st) {
    set_terminator("\n");
    ac_in_buffer_size = 8192;
    small_buffers(socket());
    set_stable_predicates();
  }
  ~line_echo() override { st_->closed = true; }
  bool readable() override { return !eof_ && async_chat::readable(); }
  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override {
    line_ += '\n';
    push(line_);
    line_.clear();
    st_->max_queued = std::max(st_->max_queued, buffered_output());
  }
  // End of stream: send the rest, then close (the queued close calls
  // handle_close again: then, or after a failed send, close now).
  void handle_close() override {
    if (eof_) {
      close();
      return;
    }
    eof_ = true;
    close_when_done();
  }
  void handle_output_high() override { ++st_->highs; }
  void handle_error(const asyncore::error_cause& c) override {
    ADD_FAILURE() << "server handle_error: " << c.what;
    close();
  }

 private:
  server_stats* st_;
  std::string line_;
  bool eof_ = false;
};

// The same with announced predicates (as examples/echo_server.cpp has):
// sampled only when dispatcher_with_send announces a change.
class announced_send_echo : public send_echo {
 public:
  announced_send_echo(asyncore::socket sock, asyncore::socket_map* m, server_stats* st, std::error_code& ec)
      : send_echo(std::move(sock), m, st, ec) {
    set_announced_predicates();
  }
};

enum class server_kind { send_echo, announced_send_echo, line_echo };

class GracefulClose : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }

  // `high` 0: no water marks (the peer may then send everything before
  // reading); otherwise the peer reads while it sends.
  void run(server_kind kind, std::size_t high, std::size_t low) {
    map_guard g;
    server_stats st;
    base_server server(&g.map, bind_address(GetParam().fam), [&](asyncore::socket sock, asyncore::socket_map* m) {
      std::error_code ec;
      if (kind == server_kind::send_echo) {
        auto* h = asyncore::make_owned<send_echo>(std::move(sock), m, &st, ec);
        if (high) h->set_output_limits(high, low);
      } else if (kind == server_kind::announced_send_echo) {
        auto* h = asyncore::make_owned<announced_send_echo>(std::move(sock), m, &st, ec);
        if (high) h->set_output_limits(high, low);
      } else {
        auto* h = asyncore::make_owned<line_echo>(std::move(sock), m, &st, ec);
        if (high) h->set_output_limits(high, low);
      }
      EXPECT_FALSE(ec) << ec.message();
    });
    const std::string data = lines_of(big);
    half_close_peer peer(&g.map, data, high != 0);
    peer.start(server.address_());
    ASSERT_TRUE(loop_until([&] { return peer.done() && st.closed; }, g.map, GetParam().be, 60.0))
        << "received " << peer.received.size() << " of " << data.size();
    EXPECT_FALSE(peer.error) << peer.error.message();
    EXPECT_TRUE(peer.eof);
    EXPECT_EQ(peer.received.size(), data.size());
    EXPECT_TRUE(peer.received == data) << "the echo differs from what was sent";
    if (high) {
      // Reading stops above `high`: at most one read (8 KiB, and for the
      // line echo one reply line) more is queued.
      EXPECT_LE(st.max_queued, high + 8192 + 256);
    } else {
      // The peer read nothing until it had sent everything: the server held
      // most of the echo when the stream ended (what close() would drop).
      EXPECT_GT(st.max_queued, data.size() / 2);
    }
  }
};

TEST_P(GracefulClose, send_echo_half_close) { run(server_kind::send_echo, 0, 0); }
TEST_P(GracefulClose, send_echo_half_close_with_water_marks) { run(server_kind::send_echo, 64u << 10, 16u << 10); }
TEST_P(GracefulClose, announced_send_echo_half_close) { run(server_kind::announced_send_echo, 0, 0); }
TEST_P(GracefulClose, announced_send_echo_half_close_with_water_marks) {
  run(server_kind::announced_send_echo, 64u << 10, 16u << 10);
}
TEST_P(GracefulClose, line_echo_half_close) { run(server_kind::line_echo, 0, 0); }
TEST_P(GracefulClose, line_echo_half_close_with_water_marks) { run(server_kind::line_echo, 64u << 10, 16u << 10); }

// Over a socket pair, on every backend.
class GracefulClosePair : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
};

// close_when_done() with output queued: the channel stops reading, sends it
// all, sends its end of stream, drops what the peer still sends (no reset:
// that would discard the peer's unread data on Winsock and lwIP), and closes
// at the peer's end of stream. With nothing queued the end of stream goes at
// once.
TEST_P(GracefulClosePair, close_when_done_closes_after_output) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();

  struct chan : asyncore::dispatcher_with_send {
    using dispatcher_with_send::dispatcher_with_send;
    void handle_read() override { ADD_FAILURE() << "read after close_when_done()"; }
    void handle_close() override { ADD_FAILURE() << "handle_close"; }
  };
  chan c(std::move(a), &g.map, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.set_stable_predicates();
  // Queue more than the socket takes at once, then close gracefully.
  const std::string data = lines_of(big);
  c.send(data);
  ASSERT_GT(c.out_buffer_size(), 0u);
  // The peer has written something the channel will never read: closing
  // over it would be a reset.
  ASSERT_EQ(b.send("x", 1, ec), 1u) << ec.message();
  c.close_when_done();
  EXPECT_TRUE(c.closing());
  EXPECT_FALSE(c.readable());
  EXPECT_TRUE(c.socket().is_open());

  // The peer reads everything, then the end of stream; only then does it
  // end its side, and the channel closes.
  std::string got;
  bool eof = false;
  std::error_code read_error;
  ASSERT_TRUE(loop_until(
      [&] {
        char buf[65536];
        while (!eof && !read_error) {
          std::error_code e;
          const std::size_t n = b.recv(buf, sizeof buf, e);
          if (e == std::errc::operation_would_block) break;
          if (e) {
            read_error = e;
          } else if (n == 0) {
            eof = true;
            b.shutdown(asyncore::shutdown_type::send, e);
            EXPECT_FALSE(e) << e.message();
          } else {
            got.append(buf, n);
          }
        }
        return read_error || (eof && !c.socket().is_open());
      },
      g.map, GetParam().be, 30.0))
      << "got " << got.size() << " of " << data.size() << (eof ? ", then EOF" : "") << "; channel "
      << (c.socket().is_open() ? "open" : "closed");
  EXPECT_FALSE(read_error) << "the peer's recv: " << read_error.message();
  EXPECT_TRUE(got == data) << "got " << got.size() << " of " << data.size();
  EXPECT_FALSE(c.closing());  // closed: a reopened channel would read again
  char buf[16];
  EXPECT_EQ(b.recv(buf, sizeof buf, ec), 0u);  // still EOF, not a reset
  EXPECT_FALSE(ec) << ec.message();

  // Nothing queued: the end of stream goes at once; the channel closes at
  // the peer's.
  asyncore::socket x, y;
  ASSERT_TRUE(asyncore::socket_pair(x, y, ec)) << ec.message();
  chan d(std::move(x), &g.map, ec);
  ASSERT_FALSE(ec);
  d.close_when_done();
  EXPECT_TRUE(d.socket().is_open());
  EXPECT_TRUE(d.readable());  // waiting for the peer's end of stream
  EXPECT_FALSE(d.writable());
  bool y_eof = false;
  ASSERT_TRUE(loop_until(
      [&] {
        std::error_code e;
        if (!y_eof && y.recv(buf, sizeof buf, e) == 0 && !e) {
          y_eof = true;
          y.close();
        }
        return !d.socket().is_open();
      },
      g.map, GetParam().be, 10.0));
  EXPECT_TRUE(y_eof);
  EXPECT_FALSE(d.registered());
}

// A peer that never ends its side: the graceful close gives up after
// close_linger(); with a linger of 0 it closes as soon as the output is sent.
TEST_P(GracefulClosePair, close_when_done_linger_is_bounded) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  struct chan : asyncore::dispatcher_with_send {
    using dispatcher_with_send::dispatcher_with_send;
    void handle_read() override { ADD_FAILURE() << "read after close_when_done()"; }
    void handle_close() override { ADD_FAILURE() << "handle_close"; }
  };
  chan c(std::move(a), &g.map, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(c.close_linger(), 2.0);
  c.set_close_linger(0.05);
  c.close_when_done();
  EXPECT_TRUE(c.socket().is_open());
  // The peer keeps sending and never ends: what it sends is dropped.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(loop_until(
      [&] {
        std::error_code e;
        if (c.socket().is_open()) (void)b.send("more", 4, e);
        return !c.socket().is_open();
      },
      g.map, GetParam().be, 10.0));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(40));

  asyncore::socket x, y;
  ASSERT_TRUE(asyncore::socket_pair(x, y, ec)) << ec.message();
  chan d(std::move(x), &g.map, ec);
  ASSERT_FALSE(ec);
  d.set_close_linger(0);
  d.close_when_done();
  EXPECT_FALSE(d.socket().is_open());  // nothing queued, no linger: at once
}

// The peer goes away while a graceful close is draining: the send error is
// reported (handle_close, which calls close_when_done() again) and the
// channel closes, with the unsent rest dropped.
TEST_P(GracefulClosePair, close_when_done_peer_gone) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  struct chan : asyncore::dispatcher_with_send {
    using dispatcher_with_send::dispatcher_with_send;
    int closes = 0;
    void handle_read() override { ADD_FAILURE() << "read after close_when_done()"; }
    void handle_close() override {
      ++closes;
      close_when_done();
    }
    void handle_error(const asyncore::error_cause&) override {
      ++closes;
      close_when_done();
    }
  };
  chan c(std::move(a), &g.map, ec);
  ASSERT_FALSE(ec);
  c.send(lines_of(big));
  ASSERT_GT(c.out_buffer_size(), 0u);
  c.close_when_done();
  b.close();
  ASSERT_TRUE(loop_until([&] { return !c.socket().is_open(); }, g.map, GetParam().be, 30.0));
  EXPECT_EQ(c.closes, 1);
  EXPECT_EQ(c.out_buffer_size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(asyncore, GracefulClose, testing::ValuesIn(all_params()), param_name);
INSTANTIATE_TEST_SUITE_P(asyncore, GracefulClosePair, testing::ValuesIn(backend_params()), param_name);

}  // namespace
