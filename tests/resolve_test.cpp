// SPDX-License-Identifier: MIT
// resolve() and dispatcher::connect by name (include/asyncore/resolve.hpp),
// over every backend. Only names that need no network are used (numeric
// hosts and "localhost"): no DNS query leaves this machine.
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using asyncore::backend;
using asyncore_test::param;

class Resolve : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  backend be() const { return GetParam().be; }
  asyncore_test::map_guard g;
};

TEST_P(Resolve, test_resolve_numeric_and_localhost) {
  int answers = 0;
  bool inside = true;
  asyncore::resolve("127.0.0.1", 8007, [&](const std::error_code& ec, const asyncore::address& a) {
    EXPECT_FALSE(inside) << "the callback ran inside resolve()";
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(a.to_string(), "127.0.0.1:8007");
    ++answers;
  }, &g.map);
  asyncore::resolve("localhost", 80, [&](const std::error_code& ec, const asyncore::address& a) {
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(a.to_string(), "127.0.0.1:80");
    EXPECT_EQ(a.port(), 80);
    ++answers;
  }, &g.map, asyncore::family::inet);
  inside = false;
  // The system resolver runs in worker threads; the bound is for "never",
  // not for speed (Wine's resolver on a loaded machine once took over 5 s).
  EXPECT_TRUE(asyncore_test::loop_until([&] { return answers == 2; }, g.map, be(), 30.0))
      << answers << " of 2 answers";
}

class named_client : public asyncore::dispatcher {
 public:
  using dispatcher::dispatcher;
  void handle_connect() override { ++connects; }
  void handle_error(const asyncore::error_cause& c) override {
    error = c.code;
    close();
  }
  void handle_read() override {}
  void handle_write() override {}
  bool writable() override { return connecting; }
  int connects = 0;
  std::error_code error;
};

TEST_P(Resolve, test_connect_by_name) {
  asyncore_test::base_server server(&g.map, asyncore::address("127.0.0.1", 0), [](asyncore::socket s, asyncore::socket_map*) {
    s.close();
  });
  const std::uint16_t port = server.address_().port();
  named_client c(&g.map);
  std::error_code ec;
  c.connect("localhost", port, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(c.connecting);
  EXPECT_TRUE(asyncore_test::loop_until([&] { return c.connects == 1 || c.error; }, g.map, be()));
  EXPECT_EQ(c.connects, 1);
  EXPECT_FALSE(c.error) << c.error.message();
  c.close();
}

TEST_P(Resolve, test_connect_by_name_refused) {
  // A port with no listener: bind one, note the port, close it.
  std::uint16_t port;
  {
    std::error_code ec;
    asyncore::socket s = asyncore::socket::open(asyncore::family::inet, asyncore::socket_type::stream, ec);
    s.bind(asyncore::address("127.0.0.1", 0), ec);
    port = s.getsockname(ec).port();
  }
  named_client c(&g.map);
  std::error_code ec;
  c.connect("127.0.0.1", port, ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(asyncore_test::loop_until([&] { return static_cast<bool>(c.error); }, g.map, be(), 10.0));
  EXPECT_EQ(c.error, std::errc::connection_refused) << c.error.message();
  EXPECT_EQ(c.connects, 0);
}

TEST_P(Resolve, test_close_abandons_connect_by_name) {
  named_client c(&g.map);
  std::error_code ec;
  c.connect("127.0.0.1", 9, ec);
  c.close();
  for (int i = 0; i < 5; ++i) asyncore::poll_once(0.01, be(), &g.map, ec);
  EXPECT_EQ(c.connects, 0);
  EXPECT_FALSE(c.error);
  EXPECT_FALSE(c.socket().is_open());
}

INSTANTIATE_TEST_SUITE_P(asyncore, Resolve, testing::ValuesIn(asyncore_test::backend_params()),
                         asyncore_test::param_name);

}  // namespace
