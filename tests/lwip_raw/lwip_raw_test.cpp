// SPDX-License-Identifier: MIT
// Cases of lwIP's raw-API platform (tests/lwip_raw/ is only built with
// ASYNCORE_LWIP_API=raw), each a rule of src/lwip/raw/sockets.cpp:
//  - data that arrived before the FIN is all read before the end of stream;
//  - the TCP window is the back-pressure: a peer that does not read stops
//    the sender (would-block), and reading lets it go on;
//  - bytes a client sends before the server's accept() are not lost (the
//    callbacks are attached in lwIP's accept callback);
//  - a reset (SO_LINGER 0) gives handle_close, a refused connect
//    handle_error(connection_refused), and the record forgets the pcb;
//  - no pcb leaks: more connections, one after the other, than lwIP has
//    pcbs (MEMP_NUM_TCP_PCB) all work, and the active pcb list is back to
//    where it was;
//  - UDP: an empty datagram is a datagram; the sender's address comes back;
//  - call_soon_threadsafe from another thread ends the loop's idle early,
//    and a timer fires from inside the idle.
// Real connections over lwIP's loopback interface, all in this thread;
// every wait is bounded.
#include "lwip/opt.h"
#include "lwip/priv/tcp_priv.h"  // tcp_active_pcbs, tcp_listen_pcbs: the pcb census
#include "lwip/tcp.h"

#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

// ports/lwip-raw-host/port.c: idles entered, and idles a notify ended.
extern "C" unsigned long asyncore_lwip_raw_host_idles(void);
extern "C" unsigned long asyncore_lwip_raw_host_notified_idles(void);
extern "C" void asyncore_lwip_raw_idle(u32_t ms);  // the port's idle (src/lwip/raw/raw.hpp)

namespace {

using asyncore::address;
using asyncore::backend;
using asyncore::family;
using asyncore::socket_type;
using asyncore_test::loop_until;
using asyncore_test::map_guard;

class LwipRaw : public ::testing::TestWithParam<backend> {};

int count_pcbs(tcp_pcb* list) {
  int n = 0;
  for (tcp_pcb* p = list; p != nullptr; p = p->next) ++n;
  return n;
}
int active_pcbs() { return count_pcbs(tcp_active_pcbs); }
int listen_pcbs() { return count_pcbs(reinterpret_cast<tcp_pcb*>(tcp_listen_pcbs.listen_pcbs)); }

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

// A listener that keeps what it accepts (the test reads it by hand).
struct keeper : asyncore::dispatcher {
  using dispatcher::dispatcher;
  asyncore::socket conn;
  int accepted = 0;
  void handle_accepted(asyncore::socket s, const address&) override {
    ++accepted;
    conn = std::move(s);
  }
};

// A client channel that reads everything and counts how it ended.
struct reader : asyncore::dispatcher {
  using dispatcher::dispatcher;
  std::string got;
  int closes = 0, errors = 0, connects = 0;
  std::error_code error;
  bool writable() override { return connecting; }
  void handle_connect() override { ++connects; }
  void handle_read() override {
    char buf[1000];  // small reads: the FIN is queued behind data for a while
    std::error_code ec;
    got.append(buf, recv(buf, sizeof buf, ec));
  }
  void handle_close() override {
    ++closes;
    close();
  }
  void handle_error(const asyncore::error_cause& c) override {
    ++errors;
    error = c.code;
    close();
  }
};

TEST_P(LwipRaw, data_before_fin_is_read_before_end_of_stream) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  reader r(std::move(a), &g.map, ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string data = pattern(50000);
  std::size_t sent = 0;
  while (sent < data.size()) {
    const std::size_t n = b.send(data.data() + sent, data.size() - sent, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_GT(n, 0u);
    sent += n;
  }
  b.close();  // the FIN follows the data at once
  ASSERT_TRUE(loop_until([&] { return r.closes > 0; }, g.map, GetParam(), 10.0));
  EXPECT_EQ(r.got.size(), data.size());
  EXPECT_TRUE(r.got == data);
  EXPECT_EQ(r.errors, 0);
}

TEST_P(LwipRaw, window_is_the_back_pressure) {
  map_guard g;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  // The peer (b) does not read: the sender fills the peer's window and its
  // own send buffer, then sends would block.
  const std::string chunk = pattern(8192);
  std::size_t total = 0;
  bool blocked = false;
  for (int round = 0; round < 10000 && !blocked; ++round) {
    const std::size_t n = a.send(chunk.data(), chunk.size(), ec);
    if (ec == std::errc::operation_would_block) {
      // Give the stack a chance to move data on; still blocked: done.
      ec.clear();
      std::error_code pe;
      (void)asyncore::poll_once(0.01, GetParam(), &g.map, pe);
      const std::size_t m = a.send(chunk.data(), chunk.size(), ec);
      if (ec == std::errc::operation_would_block) {
        blocked = true;
        ec.clear();
      } else {
        total += m;
      }
      continue;
    }
    ASSERT_FALSE(ec) << ec.message();
    total += n;
  }
  ASSERT_TRUE(blocked) << "sent " << total << " bytes without back-pressure";
  EXPECT_LE(total, static_cast<std::size_t>(TCP_WND) + TCP_SND_BUF);
  EXPECT_GE(total, static_cast<std::size_t>(TCP_SND_BUF));
  // Reading on b opens the window: a can send again, and every byte arrives.
  std::size_t got = 0;
  char buf[16384];
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got < total && std::chrono::steady_clock::now() < end) {
    const std::size_t n = b.recv(buf, sizeof buf, ec);
    if (ec == std::errc::operation_would_block) {
      ec.clear();
      std::error_code pe;
      (void)asyncore::poll_once(0.01, GetParam(), &g.map, pe);
      continue;
    }
    ASSERT_FALSE(ec) << ec.message();
    got += n;
  }
  EXPECT_EQ(got, total);
  EXPECT_GT(a.send(chunk.data(), chunk.size(), ec), 0u) << ec.message();
}

TEST_P(LwipRaw, bytes_before_accept_are_kept) {
  map_guard g;
  std::error_code ec;
  asyncore::socket l = asyncore::socket::open(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  l.bind(address("127.0.0.1", 0), ec);
  ASSERT_FALSE(ec);
  l.listen(4, ec);
  ASSERT_FALSE(ec);
  const address to = l.getsockname(ec);
  asyncore::socket c = asyncore::socket::open(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec);
  c.connect(to, ec);
  ASSERT_TRUE(!ec || ec == std::errc::operation_in_progress) << ec.message();
  ec.clear();
  // The handshake completed over loopback inside connect; send before accept.
  const std::string data = pattern(3000);
  ASSERT_TRUE(loop_until([&] { return c.pending_error() == std::error_code() && c.send(data.data(), data.size(), ec) > 0; },
                         g.map, GetParam(), 5.0));
  address peer;
  asyncore::socket s;
  ASSERT_TRUE(loop_until([&] {
    s = l.accept(&peer, ec);
    return s.is_open();
  }, g.map, GetParam(), 5.0));
  std::string got;
  ASSERT_TRUE(loop_until([&] {
    char buf[4096];
    std::error_code e;
    const std::size_t n = s.recv(buf, sizeof buf, e);
    if (!e) got.append(buf, n);
    return got.size() >= data.size();
  }, g.map, GetParam(), 5.0));
  EXPECT_TRUE(got == data);
  EXPECT_EQ(peer, c.getsockname(ec));
}

TEST_P(LwipRaw, reset_gives_handle_close_refused_gives_handle_error) {
  map_guard g;
  std::error_code ec;
  const int active_before = active_pcbs();
  {
    asyncore::socket a, b;
    ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
    reader r(std::move(a), &g.map, ec);
    ASSERT_FALSE(ec);
    b.setsockopt(asyncore::sockopt::linger, 0, ec);  // close aborts: a reset
    ASSERT_FALSE(ec) << ec.message();
    b.close();
    ASSERT_TRUE(loop_until([&] { return r.closes + r.errors > 0; }, g.map, GetParam(), 5.0));
    EXPECT_EQ(r.closes, 1);
    EXPECT_EQ(r.errors, 0);
  }
  // A port nobody listens on: the SYN is answered with a reset.
  asyncore::socket probe = asyncore::socket::open(family::inet, socket_type::stream, ec);
  probe.bind(address("127.0.0.1", 0), ec);
  const address nobody = probe.getsockname(ec);
  probe.close();
  reader c(&g.map);
  c.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec);
  c.connect(nobody, ec);
  ASSERT_TRUE(loop_until([&] { return c.closes + c.errors > 0; }, g.map, GetParam(), 5.0));
  EXPECT_EQ(c.errors, 1);
  EXPECT_EQ(c.error, std::errc::connection_refused) << c.error.message();
  EXPECT_EQ(c.connects, 0);
  EXPECT_EQ(active_pcbs(), active_before);
}

// test_quick_connect (issue 10340) without its second thread: the client's
// connection is reset before the server's loop accepts it. The server gets
// it from the queue anyway (a connection reset while queued is handed out)
// and its handler sees the reset as a close, never as an error, and nothing
// escapes the loop.
TEST_P(LwipRaw, reset_before_accept_does_not_escape) {
  map_guard g;
  std::error_code ec;
  struct conn : asyncore::dispatcher {
    using dispatcher::dispatcher;
    int* closes;
    int* errors;
    bool writable() override { return false; }
    void handle_read() override {
      char buf[64];
      std::error_code e;
      (void)recv(buf, sizeof buf, e);
    }
    void handle_close() override {
      ++*closes;
      close();
    }
    void handle_error(const asyncore::error_cause& c) override {
      ADD_FAILURE() << "handle_error: " << c.what;
      ++*errors;
      close();
    }
  };
  int closes = 0, errors = 0, accepted = 0;
  struct server_t : asyncore::dispatcher {
    using dispatcher::dispatcher;
    int *closes, *errors, *accepted;
    void handle_accepted(asyncore::socket s, const address&) override {
      ++*accepted;
      std::error_code e;
      conn* c = asyncore::make_owned<conn>(std::move(s), map(), e);
      ASSERT_FALSE(e) << e.message();
      c->closes = closes;
      c->errors = errors;
    }
  } server(&g.map);
  server.closes = &closes;
  server.errors = &errors;
  server.accepted = &accepted;
  server.create_socket(family::inet, socket_type::stream, ec);
  server.bind(address("127.0.0.1", 0), ec);
  server.listen(5, ec);
  ASSERT_FALSE(ec) << ec.message();
  const address to = server.socket().getsockname(ec);
  {
    asyncore::socket c = asyncore::socket::open(family::inet, socket_type::stream, ec);
    c.connect(to, ec);  // the handshake completes over loopback here
    ASSERT_EQ(c.pending_error(), std::error_code());
    c.setsockopt(asyncore::sockopt::linger, 0, ec);
    ASSERT_FALSE(ec) << ec.message();
  }  // closed with a reset before the server's loop ran
  ASSERT_TRUE(loop_until([&] { return closes > 0 || errors > 0; }, g.map, GetParam(), 5.0));
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(errors, 0);
  EXPECT_TRUE(server.accepting);
}

TEST_P(LwipRaw, no_pcb_leaks_over_more_connections_than_pcbs) {
  map_guard g;
  std::error_code ec;
  const int active_before = active_pcbs();
  const int listen_before = listen_pcbs();
  keeper server(&g.map);
  server.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec);
  server.bind(address("127.0.0.1", 0), ec);
  server.listen(8, ec);
  ASSERT_FALSE(ec);
  const address to = server.socket().getsockname(ec);
  const int rounds = MEMP_NUM_TCP_PCB + 20;
  int ok = 0;
  for (int i = 0; i < rounds; ++i) {
    reader c(&g.map);
    c.create_socket(family::inet, socket_type::stream, ec);
    ASSERT_FALSE(ec) << "round " << i << ": " << ec.message();
    c.connect(to, ec);
    const int before = server.accepted;
    ASSERT_TRUE(loop_until([&] { return server.accepted > before && c.connects > 0; }, g.map, GetParam(), 5.0))
        << "round " << i;
    // Alternate who closes first (TIME_WAIT on either side).
    if (i % 2) {
      c.close();
      server.conn.close();
    } else {
      server.conn.close();
      ASSERT_TRUE(loop_until([&] { return c.closes > 0; }, g.map, GetParam(), 5.0)) << "round " << i;
    }
    ++ok;
  }
  EXPECT_EQ(ok, rounds);
  server.close();
  EXPECT_EQ(listen_pcbs(), listen_before);
  // Connections closed by us are lwIP's until they finish (FIN_WAIT, LAST_ACK):
  // let the stack run until the active list is back.
  EXPECT_TRUE(loop_until([&] { return active_pcbs() <= active_before; }, g.map, GetParam(), 10.0))
      << active_pcbs() << " active pcbs, " << active_before << " before";
}

// The handle table (ASYNCORE_LWIP_RAW_MAX_HANDLES) running out is a clear
// error on the call that needs a handle, a listener stays open through it, a
// connection lwIP accepts meanwhile is turned away (reset) rather than
// queued without a record, and closing handles makes room at once.
TEST_P(LwipRaw, handle_table_exhaustion_is_a_clear_error_and_recovers) {
  map_guard g;
  std::error_code ec;
  keeper server(&g.map);
  server.create_socket(family::inet, socket_type::stream, ec);
  server.bind(address("127.0.0.1", 0), ec);
  server.listen(8, ec);
  ASSERT_FALSE(ec) << ec.message();
  const address to = server.socket().getsockname(ec);
  std::vector<asyncore::socket> hog;
  for (int i = 0; i <= ASYNCORE_LWIP_RAW_MAX_HANDLES; ++i) {
    // TCP handles: lwIP has more tcp pcbs (MEMP_NUM_TCP_PCB) than the table.
    asyncore::socket s = asyncore::socket::open(family::inet, socket_type::stream, ec);
    if (ec) break;
    hog.push_back(std::move(s));
  }
  ASSERT_EQ(ec, asyncore::make_error_code(asyncore::errc::descriptors_exhausted)) << ec.message();
  ASSERT_LT(hog.size(), static_cast<std::size_t>(ASYNCORE_LWIP_RAW_MAX_HANDLES));
  // One handle back for a client; the server's side finds no record.
  hog.pop_back();
  reader c(&g.map);
  c.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.connect(to, ec);
  ASSERT_TRUE(loop_until([&] { return c.closes + c.errors > 0; }, g.map, GetParam(), 5.0));
  EXPECT_EQ(server.accepted, 0);
  EXPECT_TRUE(server.socket().is_open());
  // Room again: the next connection is accepted.
  hog.clear();
  reader d(&g.map);
  d.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  d.connect(to, ec);
  ASSERT_TRUE(loop_until([&] { return server.accepted == 1 && d.connects == 1; }, g.map, GetParam(), 5.0));
}

TEST_P(LwipRaw, udp_empty_datagram_and_sender) {
  map_guard g;
  std::error_code ec;
  struct udp : asyncore::dispatcher {
    using dispatcher::dispatcher;
    int datagrams = 0, closes = 0;
    std::string last;
    address from;
    bool writable() override { return false; }
    void handle_read() override {
      char buf[100];
      std::error_code e;
      const std::size_t n = recvfrom(buf, sizeof buf, from, e);
      if (!e && from) {
        ++datagrams;
        last.assign(buf, n);
      }
    }
    void handle_close() override {
      ++closes;
      close();
    }
  } u(&g.map);
  u.create_socket(family::inet, socket_type::dgram, ec);
  ASSERT_FALSE(ec);
  u.bind(address("127.0.0.1", 0), ec);
  ASSERT_FALSE(ec);
  const address to = u.socket().getsockname(ec);
  asyncore::socket s = asyncore::socket::open(family::inet, socket_type::dgram, ec);
  s.bind(address("127.0.0.1", 0), ec);
  const address me = s.getsockname(ec);
  EXPECT_EQ(s.sendto("", 0, to, ec), 0u);
  EXPECT_FALSE(ec) << ec.message();
  ASSERT_TRUE(loop_until([&] { return u.datagrams == 1; }, g.map, GetParam(), 5.0));
  EXPECT_EQ(u.last, "");
  EXPECT_EQ(u.closes, 0);
  EXPECT_EQ(u.from, me);
  EXPECT_EQ(s.sendto("hello", 5, to, ec), 5u);
  ASSERT_TRUE(loop_until([&] { return u.datagrams == 2; }, g.map, GetParam(), 5.0));
  EXPECT_EQ(u.last, "hello");
  EXPECT_TRUE(u.socket().is_open());
}

TEST_P(LwipRaw, wake_up_from_another_thread_ends_the_idle) {
  map_guard g;
  // A channel that wants nothing but keeps the map busy: the loop idles.
  struct idle_channel : asyncore::dispatcher {
    using dispatcher::dispatcher;
    bool readable() override { return true; }
    bool writable() override { return false; }
  } d(&g.map);
  std::error_code ec;
  d.create_socket(family::inet, socket_type::dgram, ec);
  ASSERT_FALSE(ec);
  std::atomic<bool> ran{false};
  std::atomic<bool> posted{false};
  // The poster posts once the loop's thread has entered the port's idle
  // (ports/lwip-raw-host/port.c counts the entries), so only the wake-up
  // (the flag and the port's notify) can end that idle before 5 s.
  const unsigned long idles = asyncore_lwip_raw_host_idles();
  const unsigned long notified = asyncore_lwip_raw_host_notified_idles();
  std::thread poster([&] {
    while (asyncore_lwip_raw_host_idles() == idles) std::this_thread::yield();
    std::error_code pe;
    asyncore::call_soon_threadsafe([&] { ran = true; }, &g.map, pe);
    posted = true;
  });
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20 && !ran; ++i) {
    asyncore::poll_once(5.0, GetParam(), &g.map, ec);  // would idle 5 s without the wake-up
    ASSERT_FALSE(ec) << ec.message();
  }
  poster.join();
  EXPECT_TRUE(posted);
  // The post reached the port's idle through its notify. (A notify that
  // came just after an idle ended by lwIP's timer tick is consumed by the
  // next idle: a zero-length one here.)
  asyncore_lwip_raw_idle(0);
  EXPECT_GT(asyncore_lwip_raw_host_notified_idles(), notified);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(ran);
  EXPECT_LT(s, 4.0) << "the wake-up did not end the idle";

  // A timer fires from inside the idle, on time.
  bool fired = false;
  const auto t0 = std::chrono::steady_clock::now();
  asyncore::call_later(0.05, [&] { fired = true; }, &g.map);
  ASSERT_TRUE(loop_until([&] { return fired; }, g.map, GetParam(), 5.0));
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(t, 0.045);
  EXPECT_LT(t, 2.0);
}

INSTANTIATE_TEST_SUITE_P(lwip_raw, LwipRaw, ::testing::Values(backend::select, backend::poll),
                         asyncore_test::param_name);

}  // namespace
