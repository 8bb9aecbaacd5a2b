// SPDX-License-Identifier: MIT
// Windows-only cases (issue 4), beside the conformance suite that runs here
// unchanged. They check what only Winsock gets wrong, or gets differently:
//
//  - more than 64 channels in one loop (Winsock's FD_SETSIZE is 64; our
//    select sets are sized to the channel count), on both backends;
//  - a refused connect reaches handle_error with connection_refused on both
//    backends (select reports it only in exceptfds, WSAPoll only since
//    Windows 10 2004), and the WSAPoll workaround for older Windows detects
//    it even when WSAPoll itself stays silent (wsapoll_mode::simulate_pre2004);
//  - a graceful peer close is POLLHUP without POLLRDNORM from WSAPoll, and
//    the loop still delivers the data and then the end of stream exactly
//    once;
//  - the Winsock-specific platform choices: SO_EXCLUSIVEADDRUSE, no
//    inheritance, non-blocking from creation, no WSAECONNRESET on UDP after
//    an ICMP port-unreachable, WSA error translation, lossless SOCKET
//    handles, the capabilities.
//
// Real sockets on loopback, port 0; every wait is bounded; no sleeps.
// (This file includes the internal Winsock header first: <winsock2.h> must
// come before anything that may include <windows.h>.)
#include "win32/winsock.hpp"

#include "platform.hpp"
#include "poller.hpp"
#include "win32/pollers.hpp"

#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace asyncore_test;
namespace w32 = asyncore::detail::win32;

std::vector<param> both_backends(bool with_ipv6) {
  std::vector<param> v;
  for (family f : {family::inet, family::inet6}) {
    if (f == family::inet6 && !with_ipv6) continue;
    for (backend b : {backend::select, backend::poll}) v.push_back({b, f});
  }
  return v;
}

// Only the std::error_code overloads are used, so this file also builds
// without exceptions. OK(ec) fails the test on an error, naming it.
#define OK(ec) EXPECT_FALSE(ec) << (ec).message()

asyncore::socket open_socket(family f, asyncore::socket_type t) {
  std::error_code ec;
  asyncore::socket s = asyncore::socket::open(f, t, ec);
  OK(ec);
  return s;
}

address name_of(const asyncore::socket& s) {
  std::error_code ec;
  address a = s.getsockname(ec);
  OK(ec);
  return a;
}

// A socket bound to loopback port 0 (and listening, for streams).
asyncore::socket bound_socket(family f, asyncore::socket_type t) {
  std::error_code ec;
  asyncore::socket s = open_socket(f, t);
  s.bind(address::loopback(f, 0), ec);
  OK(ec);
  if (t == asyncore::socket_type::stream) {
    s.listen(5, ec);
    OK(ec);
  }
  return s;
}

// A port on loopback that nothing listens on: bound once, then closed.
address closed_port(family f) {
  asyncore::socket s = open_socket(f, asyncore::socket_type::stream);
  std::error_code ec;
  s.bind(address::loopback(f, 0), ec);
  OK(ec);
  address a = name_of(s);
  s.close();
  return a;
}

// A listening channel on loopback port 0.
struct listening_channel : asyncore::dispatcher {
  listening_channel(asyncore::socket_map* m, family f, int backlog) : dispatcher(m) {
    std::error_code ec;
    create_socket(f, asyncore::socket_type::stream, ec);
    OK(ec);
    set_reuse_addr();
    bind(address::loopback(f, 0), ec);
    OK(ec);
    listen(backlog, ec);
    OK(ec);
  }
  address where() const { return name_of(socket()); }
};

// A channel that starts connecting at construction.
struct connecting_channel : asyncore::dispatcher {
  connecting_channel(asyncore::socket_map* m, family f, const address& to) : dispatcher(m) {
    std::error_code ec;
    create_socket(f, asyncore::socket_type::stream, ec);
    OK(ec);
    connect(to, ec);
    OK(ec);
  }
  bool writable() override { return connecting; }
};

// -- more than 64 channels in one loop ------------------------------------------

class Win32ManyChannels : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override { asyncore::close_all(&map_, true); }
  asyncore::socket_map map_;
};

TEST_P(Win32ManyChannels, MoreThan64ChannelsInOneLoop) {
  constexpr int clients = 150;  // 150 clients + 150 server channels + the listener
  int echoed = 0;
  int errors = 0;

  struct echo_handler : asyncore::dispatcher {
    echo_handler(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec)
        : dispatcher(std::move(s), m, ec) {}
    bool writable() override { return false; }
    void handle_read() override {
      std::error_code ec;
      std::string got = recv(64, ec);
      if (!got.empty()) (void)send(got, ec);
    }
    void handle_close() override { close(); }
  };
  struct listener : listening_channel {
    // Every client fits in the backlog: no SYN retries.
    listener(asyncore::socket_map* m, family f) : listening_channel(m, f, 256) {}
    void handle_accepted(asyncore::socket s, const address&) override {
      std::error_code ec;
      asyncore::make_owned<echo_handler>(std::move(s), map(), ec);
      OK(ec);
    }
  };
  struct client : connecting_channel {
    client(asyncore::socket_map* m, family f, const address& to, int& echoed, int& errors)
        : connecting_channel(m, f, to), echoed_(echoed), errors_(errors) {}
    void handle_connect() override {
      std::error_code ec;
      (void)send("x", ec);
      EXPECT_FALSE(ec) << ec.message();
    }
    void handle_read() override {
      std::error_code ec;
      if (recv(64, ec) == "x") {
        ++echoed_;
        close();
      }
    }
    void handle_close() override { close(); }
    void handle_error(const asyncore::error_cause& c) override {
      ADD_FAILURE() << "client handle_error: " << c.what;
      ++errors_;
      close();
    }
    int& echoed_;
    int& errors_;
  };

  listener server(&map_, GetParam().fam);
  const address to = server.where();
  std::vector<std::unique_ptr<client>> cs;
  for (int i = 0; i < clients; ++i) cs.emplace_back(new client(&map_, GetParam().fam, to, echoed, errors));

  std::size_t most = 0;
  EXPECT_TRUE(loop_until(
      [&] {
        most = std::max(most, map_.size());
        return echoed + errors == clients;
      },
      map_, GetParam().be, 30.0));
  EXPECT_EQ(echoed, clients);
  EXPECT_EQ(errors, 0);
  EXPECT_GT(most, 64u * 2) << "the loop never watched more than 128 channels at once";
}

INSTANTIATE_TEST_SUITE_P(Win32, Win32ManyChannels, testing::ValuesIn(both_backends(true)), param_name);

// -- a refused connect reaches handle_error ----------------------------------

class Win32RefusedConnect : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override { asyncore::close_all(&map_, true); }
  asyncore::socket_map map_;
};

TEST_P(Win32RefusedConnect, HandleErrorWithConnectionRefused) {
  struct client : asyncore::dispatcher {
    using dispatcher::dispatcher;
    bool writable() override { return connecting; }
    void handle_connect() override { ADD_FAILURE() << "handle_connect after a refused connect"; }
    void handle_read() override {}
    void handle_close() override {
      ++closes;
      close();
    }
    void handle_error(const asyncore::error_cause& c) override {
      ++errors;
      code = c.code;
      what = c.what;
      close();
    }
    int errors = 0;
    int closes = 0;
    std::error_code code;
    std::string what;
  };
  client c(&map_);
  std::error_code ec;
  c.create_socket(GetParam().fam, asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.connect(closed_port(GetParam().fam), ec);
  // Windows answers a non-blocking connect with WSAEWOULDBLOCK: it must not
  // surface as an error.
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(c.connecting);
  // Windows retries a refused SYN for about 2 s, even on loopback.
  EXPECT_TRUE(loop_until([&] { return c.errors + c.closes > 0; }, map_, GetParam().be, 15.0));
  EXPECT_EQ(c.errors, 1);
  EXPECT_EQ(c.closes, 0);
  EXPECT_EQ(c.code, std::errc::connection_refused) << c.code.message();
  // The text a user reads, not MinGW's "Unknown error" (asyncore::error_text).
  EXPECT_EQ(c.what, "connect failed: Connection refused");
  EXPECT_FALSE(c.connected);
}

INSTANTIATE_TEST_SUITE_P(Win32, Win32RefusedConnect, testing::ValuesIn(both_backends(true)), param_name);

// The workaround for WSAPoll before Windows 10 2004, on its own: the poller
// hides WSAPoll's own report of the failure, as old Windows never makes it.
TEST(Win32WSAPoll, FailedConnectDetectedWhenWSAPollStaysSilent) {
  asyncore::socket_map map;
  asyncore::dispatcher owner(&map);  // only its address is used, as the slot's owner
  asyncore::socket s = open_socket(family::inet, asyncore::socket_type::stream);
  std::error_code ec;
  s.connect(closed_port(family::inet), ec);
  ASSERT_EQ(ec, std::errc::operation_in_progress) << ec.message();

  auto p = w32::make_wsapoll_poller(w32::wsapoll_mode::simulate_pre2004);
  asyncore::detail::flat_vector<asyncore::detail::slot> slots;
  slots.resize(1);
  slots[0].d = &owner;
  slots[0].handle = s.native_handle();
  slots[0].want = asyncore::pollin | asyncore::pollpri | asyncore::pollout;
  asyncore::detail::flat_vector<asyncore::detail::ready_event> out;
  const auto start = std::chrono::steady_clock::now();
  while (out.empty() && std::chrono::steady_clock::now() - start < std::chrono::seconds(15)) {
    p->wait(slots, 1, 1000000, out, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].slot, 0u);
  // pollerr alone: what WSAPoll said was hidden, so the select probe found it.
  EXPECT_EQ(out[0].events, static_cast<std::uint32_t>(asyncore::pollerr));
  EXPECT_EQ(s.pending_error(), std::errc::connection_refused);
}

// A socket whose connect is still pending or that can simply write is not
// misreported by the probe.
TEST(Win32WSAPoll, ProbeLeavesHealthySocketsAlone) {
  asyncore::socket_map map;
  asyncore::dispatcher owner(&map);
  asyncore::socket l = bound_socket(family::inet, asyncore::socket_type::stream);
  asyncore::socket c = open_socket(family::inet, asyncore::socket_type::stream);
  std::error_code ec;
  c.connect(name_of(l), ec);
  auto p = w32::make_wsapoll_poller(w32::wsapoll_mode::simulate_pre2004);
  asyncore::detail::flat_vector<asyncore::detail::slot> slots;
  slots.resize(1);
  slots[0].d = &owner;
  slots[0].handle = c.native_handle();
  slots[0].want = asyncore::pollout;
  asyncore::detail::flat_vector<asyncore::detail::ready_event> out;
  p->wait(slots, 1, 5000000, out, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].events, static_cast<std::uint32_t>(asyncore::pollout));
  EXPECT_FALSE(c.pending_error());
}

// -- a graceful peer close -------------------------------------------------------

// Windows (and Wine) report a peer's graceful close, even a half-close, as
// POLLHUP without POLLRDNORM, whatever was asked for; the backend says what
// POSIX poll says: readable (the rest, then the end of stream).
TEST(Win32WSAPoll, GracefulPeerCloseIsReadableNotHangUp) {
  asyncore::socket_map map;
  asyncore::dispatcher owner(&map);
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  b.close();
  auto p = asyncore::detail::platform::make_poller(backend::poll, ec);
  ASSERT_TRUE(p);
  asyncore::detail::flat_vector<asyncore::detail::slot> slots;
  slots.resize(1);
  slots[0].d = &owner;
  slots[0].handle = a.native_handle();
  slots[0].want = asyncore::pollin | asyncore::pollpri;
  asyncore::detail::flat_vector<asyncore::detail::ready_event> out;
  p->wait(slots, 1, 5000000, out, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].events & asyncore::pollin) << out[0].events;
  EXPECT_FALSE(out[0].events & asyncore::pollhup) << out[0].events;
  char buf[8];
  EXPECT_EQ(a.recv(buf, sizeof buf, ec), 0u);
  EXPECT_FALSE(ec) << ec.message();
}

// A socket whose peer half-closed and that only waits to write (a graceful
// close draining its output): no hang-up, no busy return while its buffer
// is full (WSAPoll would return at once; the wait goes to select), and
// writable once the peer has read.
TEST(Win32WSAPoll, HalfClosedPeerWriterWaitsWithoutSpinning) {
  asyncore::socket_map map;
  asyncore::dispatcher owner(&map);
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  b.shutdown(asyncore::shutdown_type::send, ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string chunk(65536, 'x');
  std::size_t queued = 0;
  for (int i = 0; i < 4096; ++i) {
    const std::size_t n = a.send(chunk.data(), chunk.size(), ec);
    if (ec) break;
    queued += n;
  }
  ASSERT_TRUE(ec == std::errc::operation_would_block) << ec.message();
  auto p = asyncore::detail::platform::make_poller(backend::poll, ec);
  ASSERT_TRUE(p);
  asyncore::detail::flat_vector<asyncore::detail::slot> slots;
  slots.resize(1);
  slots[0].d = &owner;
  slots[0].handle = a.native_handle();
  slots[0].want = asyncore::pollout;
  asyncore::detail::flat_vector<asyncore::detail::ready_event> out;
  for (int round = 0; round < 2; ++round) {  // the first wait meets the hang-up, the second starts with select
    const auto start = std::chrono::steady_clock::now();
    p->wait(slots, 1, 200000, out, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(out.empty()) << "events " << (out.empty() ? 0 : out[0].events);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150)) << "round " << round;
    out.clear();
  }
  // The peer reads everything: writable, still without a hang-up.
  std::vector<char> buf(65536);
  std::size_t got = 0;
  auto pb = asyncore::detail::platform::make_poller(backend::select, ec);
  ASSERT_TRUE(pb);
  asyncore::detail::flat_vector<asyncore::detail::slot> bslots;
  bslots.resize(1);
  bslots[0].d = &owner;
  bslots[0].handle = b.native_handle();
  bslots[0].want = asyncore::pollin;
  for (int i = 0; i < 10000 && got < queued; ++i) {
    const std::size_t n = b.recv(buf.data(), buf.size(), ec);
    if (ec == std::errc::operation_would_block) {
      ec.clear();
      asyncore::detail::flat_vector<asyncore::detail::ready_event> ready;
      pb->wait(bslots, 1, 1000000, ready, ec);  // until more arrives (bounded)
      ASSERT_FALSE(ec) << ec.message();
      continue;
    }
    ASSERT_FALSE(ec) << ec.message();
    got += n;
  }
  EXPECT_EQ(got, queued);
  p->wait(slots, 1, 5000000, out, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].events, static_cast<std::uint32_t>(asyncore::pollout));
}

class Win32GracefulClose : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override { asyncore::close_all(&map_, true); }
  asyncore::socket_map map_;
};

TEST_P(Win32GracefulClose, DataThenEofDeliveredExactlyOnce) {
  struct sender : asyncore::dispatcher {
    sender(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : dispatcher(std::move(s), m, ec) {
      (void)send("hello, world", ec);
      close();  // graceful: nothing unread, so a FIN, not a reset
    }
  };
  struct listener : listening_channel {
    listener(asyncore::socket_map* m, family f) : listening_channel(m, f, 5) {}
    void handle_accepted(asyncore::socket s, const address&) override {
      std::error_code ec;
      asyncore::make_owned<sender>(std::move(s), map(), ec);
    }
  };
  struct receiver : connecting_channel {
    using connecting_channel::connecting_channel;
    void handle_connect() override {}
    void handle_read() override {
      std::error_code ec;
      char buf[4];  // small reads: the data takes several events
      std::size_t n = recv(buf, sizeof buf, ec);
      EXPECT_FALSE(ec) << ec.message();
      data.append(buf, n);
    }
    void handle_close() override {
      ++closes;
      close();
    }
    void handle_error(const asyncore::error_cause& c) override {
      ADD_FAILURE() << "handle_error: " << c.what;
      close();
    }
    std::string data;
    int closes = 0;
  };
  listener server(&map_, GetParam().fam);
  receiver r(&map_, GetParam().fam, server.where());
  EXPECT_TRUE(loop_until([&] { return r.closes > 0; }, map_, GetParam().be, 10.0));
  // A few more iterations: the end of stream must not be delivered again.
  for (int i = 0; i < 5; ++i) {
    std::error_code ec;
    asyncore::poll_once(0.01, GetParam().be, &map_, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(r.data, "hello, world");
  EXPECT_EQ(r.closes, 1);
}

INSTANTIATE_TEST_SUITE_P(Win32, Win32GracefulClose, testing::ValuesIn(both_backends(true)), param_name);

// -- Winsock-specific platform choices -------------------------------------------

TEST(Win32Socket, NonBlockingAndNotInheritableFromCreation) {
  std::error_code ec;
  asyncore::socket l = open_socket(family::inet, asyncore::socket_type::stream);
  EXPECT_FALSE(l.blocking(ec));
  OK(ec);
  EXPECT_FALSE(l.inheritable(ec));
  OK(ec);
  l.bind(address::loopback(family::inet, 0), ec);
  l.listen(1, ec);
  OK(ec);
  asyncore::socket c = open_socket(family::inet, asyncore::socket_type::stream);
  c.connect(name_of(l), ec);
  EXPECT_TRUE(!ec || ec == std::errc::operation_in_progress) << ec.message();
  asyncore::socket s;
  const auto start = std::chrono::steady_clock::now();
  while (!s && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    s = l.accept(nullptr, ec);
    if (ec && ec != std::errc::operation_would_block) break;
  }
  ASSERT_TRUE(s) << ec.message();
  EXPECT_FALSE(s.blocking(ec));
  EXPECT_FALSE(s.inheritable(ec));
  // The recorded mode follows set_blocking (Winsock cannot report FIONBIO).
  s.set_blocking(true, ec);
  EXPECT_TRUE(s.blocking(ec));
  s.set_blocking(false, ec);
  EXPECT_FALSE(s.blocking(ec));
  OK(ec);
  char buf[4];
  EXPECT_EQ(s.recv(buf, sizeof buf, ec), 0u);
  EXPECT_EQ(ec, std::errc::operation_would_block);
}

TEST(Win32Socket, ReuseAddrIsExclusive) {
  asyncore::socket first = open_socket(family::inet, asyncore::socket_type::stream);
  std::error_code ec;
  asyncore::detail::platform::set_reuse_addr(first.native_handle(), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(first.getsockopt(asyncore::sockopt::reuse_addr, ec), 0);
  first.bind(address::loopback(family::inet, 0), ec);
  first.listen(1, ec);
  OK(ec);
  // A second socket asking for plain SO_REUSEADDR (what would steal the port
  // from a non-exclusive listener) must not get it.
  asyncore::socket second = open_socket(family::inet, asyncore::socket_type::stream);
  BOOL on = TRUE;
  ::setsockopt(w32::to_socket(second.native_handle()), SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&on),
               static_cast<int>(sizeof on));
  second.bind(name_of(first), ec);
  EXPECT_TRUE(ec) << "a second socket could bind an exclusive listener's port";
}

TEST(Win32Socket, NoResetOnUdpAfterPortUnreachable) {
  asyncore::socket gone = bound_socket(family::inet, asyncore::socket_type::dgram);
  const address dead = name_of(gone);
  gone.close();
  asyncore::socket u = bound_socket(family::inet, asyncore::socket_type::dgram);
  std::error_code ec;
  u.sendto("x", 1, dead, ec);
  EXPECT_FALSE(ec) << ec.message();
  // Then a datagram that does arrive is still received.
  asyncore::socket peer = open_socket(family::inet, asyncore::socket_type::dgram);
  peer.sendto("yz", 2, name_of(u), ec);
  ASSERT_FALSE(ec) << ec.message();
  char buf[8];
  address from;
  std::size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  do {
    n = u.recvfrom(buf, sizeof buf, from, ec);
    ASSERT_TRUE(!ec || ec == std::errc::operation_would_block) << "recvfrom after ICMP: " << ec.message();
  } while (ec && std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(std::string(buf, n), "yz");
}

TEST(Win32Socket, TruncatedDatagramIsNotAnError) {
  asyncore::socket a = bound_socket(family::inet, asyncore::socket_type::dgram);
  asyncore::socket b = open_socket(family::inet, asyncore::socket_type::dgram);
  std::error_code ec;
  b.sendto("0123456789", 10, name_of(a), ec);
  ASSERT_FALSE(ec);
  char buf[4];
  address from;
  std::size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  do {
    n = a.recvfrom(buf, sizeof buf, from, ec);
  } while (ec == std::errc::operation_would_block && std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  EXPECT_FALSE(ec) << ec.message();  // WSAEMSGSIZE: POSIX truncates silently
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(std::string(buf, n), "0123");
}

TEST(Win32Socket, HandlesConvertLosslessly) {
  const SOCKET values[] = {SOCKET(0), SOCKET(4), SOCKET(0x7fffffff), SOCKET(0x80000000u),
                           SOCKET(0xfffffffeull), static_cast<SOCKET>(~SOCKET(0) - 1)};
  for (SOCKET s : values) EXPECT_EQ(w32::to_socket(w32::from_socket(s)), s);
  EXPECT_EQ(w32::from_socket(INVALID_SOCKET), asyncore::invalid_handle);
  EXPECT_EQ(w32::to_socket(asyncore::invalid_handle), INVALID_SOCKET);
}

TEST(Win32Errors, WinsockCodesBecomePortableConditions) {
  EXPECT_EQ(w32::translate(0), std::error_code());
  EXPECT_EQ(w32::translate(WSAEWOULDBLOCK), std::errc::operation_would_block);
  EXPECT_EQ(w32::translate(WSAECONNRESET), std::errc::connection_reset);
  EXPECT_EQ(w32::translate(WSAECONNABORTED), std::errc::connection_aborted);
  EXPECT_EQ(w32::translate(WSAENOTCONN), std::errc::not_connected);
  EXPECT_EQ(w32::translate(WSAECONNREFUSED), std::errc::connection_refused);
  EXPECT_EQ(w32::translate(WSAEADDRINUSE), std::errc::address_in_use);
  EXPECT_EQ(w32::translate(WSAEMFILE), std::errc::too_many_files_open);
  EXPECT_EQ(w32::translate(WSAENOBUFS), std::errc::no_buffer_space);
  EXPECT_EQ(w32::translate(WSAEINTR), std::errc::interrupted);
  EXPECT_EQ(w32::translate(WSAENOTSOCK), std::errc::not_a_socket);
  EXPECT_EQ(w32::translate(WSAEISCONN), std::errc::already_connected);
  EXPECT_EQ(w32::translate(WSAESHUTDOWN), std::errc::broken_pipe);
  EXPECT_EQ(w32::translate(WSAETIMEDOUT), std::errc::timed_out);
  EXPECT_EQ(w32::translate(WSAEMSGSIZE), std::errc::message_size);
  // The portable conditions land in the generic category, comparable with
  // what the POSIX layer produces.
  EXPECT_EQ(&w32::translate(WSAECONNRESET).category(), &std::generic_category());
  // Python's _DISCONNECTED set, through Winsock's codes.
  for (int code : {WSAECONNRESET, WSAECONNABORTED, WSAENOTCONN, WSAESHUTDOWN})
    EXPECT_TRUE(asyncore::is_disconnect(w32::translate(code))) << code;
  // A pending non-blocking connect, in every spelling Winsock uses.
  for (int code : {WSAEWOULDBLOCK, WSAEINPROGRESS, WSAEALREADY, WSAEINVAL})
    EXPECT_EQ(w32::translate_connect(code), std::errc::operation_in_progress) << code;
  EXPECT_EQ(w32::translate_connect(WSAECONNREFUSED), std::errc::connection_refused);
  // Unknown codes keep their value, in the system category.
  const std::error_code unknown = w32::translate(WSASYSNOTREADY);
  EXPECT_EQ(unknown.value(), WSASYSNOTREADY);
  EXPECT_EQ(&unknown.category(), &std::system_category());
}

TEST(Win32Capabilities, WhatThisLayerOffers) {
  const asyncore::capabilities& c = asyncore::platform_capabilities();
  EXPECT_STREQ(c.platform, "win32");
  EXPECT_FALSE(c.local);
  EXPECT_FALSE(c.files);
  EXPECT_TRUE(c.pollhup);
  EXPECT_TRUE(asyncore::has_backend(backend::select));
  EXPECT_TRUE(asyncore::has_backend(backend::poll));
  EXPECT_FALSE(asyncore::has_backend(backend::epoll));
  std::error_code ec;
  EXPECT_FALSE(asyncore::detail::platform::make_poller(backend::epoll, ec));
  EXPECT_EQ(ec, asyncore::errc::backend_unavailable);
  asyncore::socket s;
  s = asyncore::socket::open(family::local, asyncore::socket_type::stream, ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(s);
}

// RFC 6761 localhost names are answered by this layer with the loopback
// address, as Windows' own resolver does, without getaddrinfo (Wine's once
// took more than 30 s for "localhost" on a loaded machine).
TEST(Win32Resolve, LocalhostNamesAreLoopbackWithoutTheResolver) {
  EXPECT_TRUE(w32::is_localhost("localhost"));
  EXPECT_TRUE(w32::is_localhost("LocalHost."));
  EXPECT_TRUE(w32::is_localhost("printer.localhost"));
  EXPECT_FALSE(w32::is_localhost("notlocalhost"));
  EXPECT_FALSE(w32::is_localhost("localhost.example"));
  EXPECT_FALSE(w32::is_localhost(""));
  std::error_code ec;
  const asyncore::address v4 = asyncore::detail::platform::resolve("LOCALHOST", 8007, asyncore::family::inet, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(v4.to_string(), "127.0.0.1:8007");
  const asyncore::address v6 = asyncore::detail::platform::resolve("a.localhost.", 80, asyncore::family::inet6, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(v6, asyncore::address::loopback(asyncore::family::inet6, 80));
}

}  // namespace
