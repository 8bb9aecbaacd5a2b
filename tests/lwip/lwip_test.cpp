// SPDX-License-Identifier: MIT
// lwIP-specific cases (tests/lwip/ is only built with ASYNCORE_PLATFORM=lwip):
//  - MEMP_NUM_NETCONN is the descriptor limit: running out gives a clear
//    error (asyncore::errc::descriptors_exhausted), recovers after closes,
//    and never closes a listener;
//  - a refused connect (ECONNRESET on lwIP) reaches handle_error as
//    connection_refused, on both backends;
//  - lwIP's error state is sticky (every select/poll reports it again): a
//    channel with an error is closed by the loop instead of spinning;
//  - no out-of-band data, no POLLHUP, no AF_UNIX: the capabilities say so.
// Real sockets on lwIP's loopback interface; every wait is bounded.
#include "lwip/opt.h"
#include "lwip/sockets.h"  // lwip_select, to wait for the reset itself

#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace {

using asyncore::address;
using asyncore::backend;
using asyncore::dispatcher;
using asyncore::family;
using asyncore::socket_map;
using asyncore::socket_type;

// Both backends, over IPv4 (127.0.0.1) and IPv6 (::1, where lwIP has it).
class LwipBackend : public ::testing::TestWithParam<std::tuple<backend, family>> {
 protected:
  void SetUp() override {
    if (fam() == family::inet6 && !asyncore::platform_capabilities().ipv6) GTEST_SKIP() << "lwIP built without IPv6";
  }
  backend be() const { return std::get<0>(GetParam()); }
  family fam() const { return std::get<1>(GetParam()); }
};

// Runs single iterations until `done()` or `max_iterations` (each waits at most
// 50 ms): bounded, and never a sleep used as synchronisation.
template <class Pred>
long run_until(socket_map& map, backend b, Pred done, long max_iterations = 400) {
  long i = 0;
  for (; i < max_iterations && !done(); ++i) {
    std::error_code ec;
    asyncore::loop(0.05, b, &map, 1, ec);
    EXPECT_FALSE(ec) << ec.message();
    if (ec) break;
  }
  return i;
}

// -- capabilities ------------------------------------------------------------

TEST(LwipPlatform, CapabilitiesDescribeLwip) {
  const asyncore::capabilities& c = asyncore::platform_capabilities();
  EXPECT_STREQ(c.platform, "lwip");
  EXPECT_FALSE(c.local);
  EXPECT_FALSE(c.oob);
  EXPECT_FALSE(c.files);
  EXPECT_FALSE(c.pollhup);
  EXPECT_EQ(c.ipv6, LWIP_IPV6 != 0 && LWIP_HAVE_LOOPIF != 0);
  EXPECT_EQ(asyncore::has_backend(backend::select), LWIP_SOCKET_SELECT != 0);
  EXPECT_EQ(asyncore::has_backend(backend::poll), LWIP_SOCKET_POLL != 0);
  EXPECT_FALSE(asyncore::has_backend(backend::epoll));
}

TEST(LwipPlatform, EpollIsUnavailable) {
  socket_map map;
  dispatcher d(&map);
  std::error_code ec;
  d.create_socket(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  asyncore::loop(0.01, backend::epoll, &map, 1, ec);
  EXPECT_EQ(ec, asyncore::make_error_code(asyncore::errc::backend_unavailable));
}

TEST(LwipPlatform, NoOutOfBandData) {
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  (void)a.send("x", 1, ec, asyncore::send_flags::oob);
  EXPECT_EQ(ec, std::errc::operation_not_supported);
}

TEST(LwipPlatform, NoLocalSockets) {
  std::error_code ec;
  asyncore::socket s = asyncore::socket::open(family::local, socket_type::stream, ec);
  EXPECT_FALSE(s.is_open());
  EXPECT_EQ(ec, std::errc::address_family_not_supported);
}

TEST(LwipPlatform, SocketsAreNonBlockingAndNotInheritable) {
  std::error_code ec;
  asyncore::socket s = asyncore::socket::open(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(s.blocking(ec));
  EXPECT_FALSE(ec);
  EXPECT_FALSE(s.inheritable(ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(s.get_family(ec), family::inet);
  EXPECT_EQ(s.get_type(ec), socket_type::stream);
  s.set_blocking(true, ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(s.blocking(ec));
}

// -- descriptor exhaustion -----------------------------------------------------

TEST(LwipPlatform, DescriptorExhaustionIsReportedAndRecovers) {
  std::vector<asyncore::socket> held;
  std::error_code ec;
  for (int i = 0; i < MEMP_NUM_NETCONN + 8; ++i) {
    asyncore::socket s = asyncore::socket::open(family::inet, socket_type::stream, ec);
    if (ec) break;
    held.push_back(std::move(s));
  }
  ASSERT_TRUE(ec) << "opened " << held.size() << " sockets without running out";
  EXPECT_EQ(ec, asyncore::make_error_code(asyncore::errc::descriptors_exhausted)) << ec.message();
  EXPECT_FALSE(ec.message().empty());
  EXPECT_LE(held.size(), static_cast<std::size_t>(MEMP_NUM_NETCONN));
  EXPECT_GE(held.size(), 1u);

  // The same through a dispatcher: create_socket reports it, nothing registered.
  socket_map map;
  dispatcher d(&map);
  d.create_socket(family::inet, socket_type::stream, ec);
  EXPECT_EQ(ec, asyncore::make_error_code(asyncore::errc::descriptors_exhausted));
  EXPECT_TRUE(map.empty());

  // Closing one socket gives one back at once; closing all gives all back.
  const std::size_t n = held.size();
  held.pop_back();
  asyncore::socket again = asyncore::socket::open(family::inet, socket_type::stream, ec);
  EXPECT_FALSE(ec) << ec.message();
  again.close();
  held.clear();
  for (std::size_t i = 0; i < n; ++i) {
    asyncore::socket s = asyncore::socket::open(family::inet, socket_type::stream, ec);
    ASSERT_FALSE(ec) << "socket " << i << " after closing all: " << ec.message();
    held.push_back(std::move(s));
  }
}

class counting_listener : public dispatcher {
 public:
  using dispatcher::dispatcher;
  int accepted = 0;
  int errors = 0;
  int closes = 0;
  std::vector<asyncore::socket> conns;
  void handle_accepted(asyncore::socket sock, const address&) override {
    ++accepted;
    conns.push_back(std::move(sock));
  }
  void handle_error(const asyncore::error_cause&) override { ++errors; }
  void handle_close() override {
    ++closes;
    close();
  }
};

class plain_client : public dispatcher {
 public:
  using dispatcher::dispatcher;
  int connects = 0;
  int errors = 0;
  int closes = 0;
  std::error_code error;
  bool readable() override { return !connecting; }
  bool writable() override { return connecting; }
  void handle_connect() override { ++connects; }
  void handle_read() override {
    char buf[256];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
  void handle_error(const asyncore::error_cause& c) override {
    ++errors;
    error = c.code;
    close();
  }
  void handle_close() override {
    ++closes;
    close();
  }
};

TEST_P(LwipBackend, ListenerSurvivesDescriptorExhaustion) {
  const backend b = be();
  const family f = fam();
  socket_map map;
  counting_listener server(&map);
  std::error_code ec;
  server.create_socket(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  server.set_reuse_addr();
  server.bind(address::loopback(f, 0), ec);
  ASSERT_FALSE(ec) << ec.message();
  server.listen(5, ec);
  ASSERT_FALSE(ec) << ec.message();
  const address where = server.socket().getsockname(ec);
  ASSERT_FALSE(ec) << ec.message();

  // Take every descriptor but one: the client gets the last, so the
  // connection waiting in the backlog, or its accept, finds none.
  std::vector<asyncore::socket> held;
  for (;;) {
    asyncore::socket s = asyncore::socket::open(f, socket_type::stream, ec);
    if (ec) break;
    held.push_back(std::move(s));
  }
  ASSERT_EQ(ec, asyncore::make_error_code(asyncore::errc::descriptors_exhausted));
  ASSERT_FALSE(held.empty());
  held.pop_back();

  auto* client = new plain_client(&map);
  std::unique_ptr<plain_client> client_owner(client);
  client->create_socket(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  client->connect(where, ec);
  ASSERT_TRUE(!ec || ec == std::errc::operation_in_progress) << ec.message();
  // The client fails or closes (lwIP resets a connection it has no netconn
  // for); the listener stays open, accepts nothing, and nothing spins.
  long iterations = run_until(map, b, [&] { return !client->registered(); });
  EXPECT_FALSE(client->registered()) << "the client neither failed nor closed";
  EXPECT_LT(iterations, 400);
  EXPECT_TRUE(server.registered());
  EXPECT_TRUE(server.socket().is_open());
  EXPECT_EQ(server.closes, 0);
  EXPECT_EQ(server.accepted, 0);

  // Descriptors back: the same listener accepts again.
  held.clear();
  client_owner.reset();
  plain_client second(&map);
  second.create_socket(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  second.connect(where, ec);
  ASSERT_TRUE(!ec || ec == std::errc::operation_in_progress) << ec.message();
  run_until(map, b, [&] { return server.accepted > 0 && second.connects > 0; });
  EXPECT_EQ(server.accepted, 1);
  EXPECT_EQ(second.connects, 1);
  EXPECT_EQ(second.errors, 0);
  EXPECT_EQ(server.closes, 0);
  asyncore::close_all(&map);
}

// -- refused connect -------------------------------------------------------------

TEST_P(LwipBackend, RefusedConnectReachesHandleError) {
  const backend b = be();
  const family f = fam();
  // A port nobody listens on: bind one, note it, close it.
  std::error_code ec;
  address where;
  {
    asyncore::socket s = asyncore::socket::open(f, socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    s.bind(address::loopback(f, 0), ec);
    ASSERT_FALSE(ec) << ec.message();
    where = s.getsockname(ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  socket_map map;
  plain_client client(&map);
  client.create_socket(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  client.connect(where, ec);
  if (ec && ec != std::errc::operation_in_progress) {
    // Refused at once: reported synchronously, with the same code.
    EXPECT_EQ(ec, std::errc::connection_refused) << ec.message();
    return;
  }
  run_until(map, b, [&] { return client.errors > 0 || client.connects > 0 || !client.registered(); });
  EXPECT_EQ(client.connects, 0);
  EXPECT_EQ(client.errors, 1);
  EXPECT_EQ(client.error, std::errc::connection_refused) << client.error.message();
  EXPECT_FALSE(client.connecting);
  EXPECT_FALSE(client.connected);
  EXPECT_TRUE(map.empty());
}

TEST(LwipPlatform, BlockingRefusedConnectIsConnectionRefused) {
  std::error_code ec;
  address where;
  {
    asyncore::socket s = asyncore::socket::open(family::inet, socket_type::stream, ec);
    ASSERT_FALSE(ec) << ec.message();
    s.bind(address::loopback(family::inet, 0), ec);
    ASSERT_FALSE(ec) << ec.message();
    where = s.getsockname(ec);
  }
  asyncore::socket c = asyncore::socket::open(family::inet, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.set_blocking(true, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.connect(where, ec);
  EXPECT_EQ(ec, std::errc::connection_refused) << ec.message();
}

// -- sticky errors -----------------------------------------------------------------

// A connected channel whose peer resets the connection. lwIP then reports an
// error on every wait until the socket is closed.
class reset_victim : public dispatcher {
 public:
  using dispatcher::dispatcher;
  bool want_read = true;
  bool want_write = false;
  int reads = 0, writes = 0, closes = 0, errors = 0;
  bool readable() override { return want_read; }
  bool writable() override { return want_write; }
  void handle_read() override {
    ++reads;
    char buf[64];
    std::error_code ec;
    (void)recv(buf, sizeof buf, ec);
  }
  void handle_write() override {
    ++writes;
    std::error_code ec;
    (void)send("y", 1, ec);
  }
  void handle_close() override {
    ++closes;
    close();
  }
  void handle_error(const asyncore::error_cause&) override {
    ++errors;
    close();
  }
};

// Makes `victim` the client end of a connection whose server end was closed
// with unread data (lwIP answers that with a RST).
void reset_connection(socket_map& map, reset_victim& victim, family f) {
  std::error_code ec;
  asyncore::socket listener = asyncore::socket::open(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  listener.bind(address::loopback(f, 0), ec);
  ASSERT_FALSE(ec) << ec.message();
  listener.listen(1, ec);
  ASSERT_FALSE(ec) << ec.message();
  address where = listener.getsockname(ec);
  listener.set_blocking(true, ec);
  ASSERT_FALSE(ec) << ec.message();

  asyncore::socket c = asyncore::socket::open(f, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  c.set_blocking(true, ec);
  c.connect(where, ec);
  ASSERT_FALSE(ec) << ec.message();
  asyncore::socket server = listener.accept(nullptr, ec);
  ASSERT_FALSE(ec) << ec.message();
  (void)c.send("unread", 6, ec);  // server never reads it
  ASSERT_FALSE(ec) << ec.message();
  // Closing the server end now sends a RST: lwIP resets a connection closed
  // with unread data, or that receives data after its close.
  c.set_blocking(false, ec);
  const int fd = static_cast<int>(c.fileno());
  server.close();
  // The RST travels through lwIP's tcpip thread: wait (at most 5 s) until the
  // client socket shows the error, so the loop below starts with it set.
  fd_set ex;
  FD_ZERO(&ex);
  FD_SET(fd, &ex);
  struct timeval tv;
  tv.tv_sec = 5;
  tv.tv_usec = 0;
  ASSERT_EQ(lwip_select(fd + 1, nullptr, nullptr, &ex, &tv), 1) << "no reset within 5 s";
  victim.set_socket(std::move(c), &map);
  victim.connected = true;
}

TEST_P(LwipBackend, StickyErrorClosesReadableChannel) {
  const backend b = be();
  const family f = fam();
  socket_map map;
  reset_victim v(&map);
  reset_connection(map, v, f);
  ASSERT_TRUE(v.registered());
  long it = run_until(map, b, [&] { return !v.registered(); }, 200);
  EXPECT_FALSE(v.registered()) << "still registered after " << it << " iterations: reads=" << v.reads;
  EXPECT_LT(it, 200);
  EXPECT_EQ(v.closes + v.errors, 1) << "closes=" << v.closes << " errors=" << v.errors << " reads=" << v.reads << " writes=" << v.writes;
  EXPECT_LE(v.reads, 1);
}

TEST_P(LwipBackend, StickyErrorClosesWriteOnlyChannel) {
  const backend b = be();
  const family f = fam();
  socket_map map;
  reset_victim v(&map);
  v.want_read = false;
  v.want_write = true;
  reset_connection(map, v, f);
  long it = run_until(map, b, [&] { return !v.registered(); }, 200);
  EXPECT_FALSE(v.registered()) << "still registered after " << it << " iterations: writes=" << v.writes;
  EXPECT_EQ(v.closes + v.errors, 1) << "closes=" << v.closes << " errors=" << v.errors << " reads=" << v.reads << " writes=" << v.writes;
  EXPECT_LE(v.writes, 1);
  EXPECT_LT(it, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, LwipBackend,
                         ::testing::Combine(::testing::Values(backend::select, backend::poll),
                                            ::testing::Values(family::inet, family::inet6)),
                         asyncore_test::param_name);

}  // namespace
