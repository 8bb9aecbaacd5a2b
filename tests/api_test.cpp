// SPDX-License-Identifier: MIT
// CPython's BaseTestAPI (test_asyncore.py TA:505-797) with CPython's test
// names, run over every backend x {IPv4, IPv6, AF_UNIX}.
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace {

using namespace asyncore_test;

class TestAPI : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override { asyncore::close_all(&map_, true); }

  family fam() const { return GetParam().fam; }
  backend be() const { return GetParam().be; }
  address addr() const { return bind_address(fam()); }

  template <class T>
  void loop_waiting_for_flag(T& instance, double seconds = 5.0) {
    EXPECT_TRUE(loop_until([&] { return instance.flag; }, map_, be(), seconds)) << "flag not set in time";
  }

  asyncore::socket_map map_;
};

template <class T>
base_server::factory handler_of() {
  return [](asyncore::socket sock, asyncore::socket_map* m) {
    std::error_code ec;
    asyncore::make_owned<T>(std::move(sock), m, ec);
    EXPECT_FALSE(ec) << ec.message();
  };
}

TEST_P(TestAPI, test_handle_connect) {
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_connect() override { flag = true; }
  };
  base_server server(&map_, addr());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

TEST_P(TestAPI, test_handle_accept) {
  struct TestListener : base_test_handler {
    TestListener(asyncore::socket_map* m, family f, const address& a) : base_test_handler(m) {
      std::error_code ec;
      create_socket(f, asyncore::socket_type::stream, ec);
      EXPECT_FALSE(ec);
      bind(a, ec);
      EXPECT_FALSE(ec);
      listen(5, ec);
      EXPECT_FALSE(ec);
      address_ = a.is_local() ? a : socket().getsockname(ec);
    }
    ~TestListener() override { unlink_address(address_); }
    void handle_accept() override { flag = true; }
    address address_;
  };
  TestListener server(&map_, fam(), addr());
  base_client client(&map_, fam(), server.address_);
  client.start();
  loop_waiting_for_flag(server);
}

TEST_P(TestAPI, test_handle_accepted) {
  struct TestListener : base_test_handler {
    TestListener(asyncore::socket_map* m, family f, const address& a) : base_test_handler(m) {
      std::error_code ec;
      create_socket(f, asyncore::socket_type::stream, ec);
      bind(a, ec);
      listen(5, ec);
      EXPECT_FALSE(ec);
      address_ = a.is_local() ? a : socket().getsockname(ec);
    }
    ~TestListener() override { unlink_address(address_); }
    void handle_accept() override { asyncore::dispatcher::handle_accept(); }
    void handle_accepted(asyncore::socket sock, const address&) override {
      sock.close();
      flag = true;
    }
    address address_;
  };
  TestListener server(&map_, fam(), addr());
  base_client client(&map_, fam(), server.address_);
  client.start();
  loop_waiting_for_flag(server);
}

TEST_P(TestAPI, test_handle_read) {
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_read() override { flag = true; }
  };
  struct TestHandler : base_test_handler {
    TestHandler(asyncore::socket sock, asyncore::socket_map* m, std::error_code& ec)
        : base_test_handler(std::move(sock), m, ec) {
      std::string data(1024, 'x');
      (void)send(data, ec);
    }
  };
  base_server server(&map_, addr(), handler_of<TestHandler>());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

TEST_P(TestAPI, test_handle_write) {
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_write() override { flag = true; }
  };
  base_server server(&map_, addr());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

TEST_P(TestAPI, test_handle_close) {
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_read() override {
      // handle_close comes from at least one recv() call
      char buf[1024];
      std::error_code ec;
      (void)recv(buf, sizeof buf, ec);
    }
    void handle_close() override {
      flag = true;
      close();
    }
  };
  struct TestHandler : base_test_handler {
    TestHandler(asyncore::socket sock, asyncore::socket_map* m, std::error_code& ec)
        : base_test_handler(std::move(sock), m, ec) {
      close();
    }
  };
  base_server server(&map_, addr(), handler_of<TestHandler>());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

// Issues #5661 and #11265: ECONNRESET / EPIPE end in handle_close (or
// handle_expt), never handle_error.
TEST_P(TestAPI, test_handle_close_after_conn_broken) {
  static const std::string data(128, '\0');
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_write() override {
      std::error_code ec;
      (void)send(data, ec);
      EXPECT_FALSE(ec) << ec.message();
    }
    void handle_close() override {
      flag = true;
      close();
    }
    void handle_expt() override {
      flag = true;
      close();
    }
  };
  struct TestHandler : base_test_handler {
    using base_test_handler::base_test_handler;
    void handle_read() override {
      char buf[128];
      std::error_code ec;
      (void)recv(buf, data.size(), ec);
      close();
    }
    bool writable() override { return false; }
  };
  base_server server(&map_, addr(), handler_of<TestHandler>());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

TEST_P(TestAPI, test_handle_expt) {
  if (fam() == family::local) GTEST_SKIP() << "Not applicable to AF_UNIX sockets.";
  if (!asyncore::platform_capabilities().oob) GTEST_SKIP() << "no out-of-band data on this platform";
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_expt() override { flag = true; }
  };
  struct TestHandler : base_test_handler {
    TestHandler(asyncore::socket sock, asyncore::socket_map* m, std::error_code& ec)
        : base_test_handler(std::move(sock), m, ec) {
      const char b = static_cast<char>(244);
      (void)socket().send(&b, 1, ec, asyncore::send_flags::oob);
      EXPECT_FALSE(ec) << ec.message();
    }
    bool writable() override { return false; }
    bool readable() override { return false; }
  };
  base_server server(&map_, addr(), handler_of<TestHandler>());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
}

TEST_P(TestAPI, test_handle_error) {
#if ASYNCORE_HAS_EXCEPTIONS
  struct TestClient : base_client {
    using base_client::base_client;
    void handle_write() override { throw std::domain_error("float division by zero"); }
    void handle_error(const asyncore::error_cause& cause) override {
      flag = true;
      try {
        std::rethrow_exception(cause.exception);
      } catch (const std::domain_error&) {
      } catch (...) {
        ADD_FAILURE() << "exception not raised";
      }
      close();
    }
  };
  base_server server(&map_, addr());
  TestClient client(&map_, fam(), server.address_());
  client.start();
  loop_waiting_for_flag(client);
#else
  GTEST_SKIP() << "exceptions are off: a handler cannot throw";
#endif
}

TEST_P(TestAPI, test_connection_attributes) {
  base_server server(&map_, addr());
  base_client client(&map_, fam(), server.address_());
  client.start();

  // we start disconnected
  EXPECT_FALSE(server.connected);
  EXPECT_TRUE(server.accepting);
  EXPECT_FALSE(client.accepting);

  // execute some loops so that client connects to server
  asyncore::loop(0.01, be(), &map_, 100);
  EXPECT_FALSE(server.connected);
  EXPECT_TRUE(server.accepting);
  EXPECT_TRUE(client.connected);
  EXPECT_FALSE(client.accepting);

  // disconnect the client
  client.close();
  EXPECT_FALSE(server.connected);
  EXPECT_TRUE(server.accepting);
  EXPECT_FALSE(client.connected);
  EXPECT_FALSE(client.accepting);

  // stop serving
  server.close();
  EXPECT_FALSE(server.connected);
  EXPECT_FALSE(server.accepting);
}

TEST_P(TestAPI, test_create_socket) {
  asyncore::dispatcher s(&map_);
  std::error_code ec;
  s.create_socket(fam(), asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(s.socket().get_type(ec), asyncore::socket_type::stream);
  EXPECT_EQ(s.socket().get_family(ec), fam());
  EXPECT_FALSE(s.socket().blocking(ec));  // gettimeout() == 0
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(s.socket().inheritable(ec));
  EXPECT_TRUE(s.registered());
}

TEST_P(TestAPI, test_bind) {
  if (fam() == family::local) GTEST_SKIP() << "Not applicable to AF_UNIX sockets.";
  asyncore::dispatcher s1(&map_);
  std::error_code ec;
  s1.create_socket(fam(), asyncore::socket_type::stream, ec);
  s1.bind(addr(), ec);
  s1.listen(5, ec);
  ASSERT_FALSE(ec) << ec.message();
  std::uint16_t port = s1.socket().getsockname(ec).port();

  asyncore::dispatcher s2(&map_);
  s2.create_socket(fam(), asyncore::socket_type::stream, ec);
  address again = addr();
  again.set_port(port);
  // EADDRINUSE indicates the socket was correctly bound
  s2.bind(again, ec);
  EXPECT_EQ(ec, std::errc::address_in_use) << ec.message();
#if ASYNCORE_HAS_EXCEPTIONS
  EXPECT_THROW(s2.bind(again), std::system_error);
#endif
}

TEST_P(TestAPI, test_set_reuse_addr) {
  if (fam() == family::local) GTEST_SKIP() << "Not applicable to AF_UNIX sockets.";
  std::error_code ec;
  asyncore::dispatcher s(asyncore::socket::open(fam(), asyncore::socket_type::stream, ec), &map_, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(s.connected);  // not connected: getpeername said ENOTCONN
  EXPECT_EQ(s.socket().getsockopt(asyncore::sockopt::reuse_addr, ec), 0);
  s.socket().close();
  s.create_socket(fam(), asyncore::socket_type::stream, ec);
  s.set_reuse_addr();
  EXPECT_NE(s.socket().getsockopt(asyncore::sockopt::reuse_addr, ec), 0);
  EXPECT_FALSE(ec) << ec.message();
}

// Issue 10340: a connection reset before or right after accept must not
// escape the loop (accept gives "none", getpeername gives ENOTCONN).
TEST_P(TestAPI, test_quick_connect) {
  if (fam() == family::local) GTEST_SKIP() << "test specific to AF_INET and AF_INET6";
  ASYNCORE_SKIP_IF_SINGLE_THREADED_STACK();
  base_server server(&map_, addr());
  const address to = server.address_();
  const backend b = be();
  std::thread t([&] { asyncore::loop(0.1, b, &map_, 5); });
  {
    // The client: connect, wait for the connection, then close with an RST
    // (SO_LINGER on, zero seconds).
    asyncore::socket_map cmap;
    struct quick : asyncore::dispatcher {
      using dispatcher::dispatcher;
      bool flag = false;
      bool readable() override { return false; }
      bool writable() override { return !flag; }
      void handle_connect() override { flag = true; }
      void handle_write() override {}
    } s(&cmap);
    std::error_code ec;
    s.create_socket(fam(), asyncore::socket_type::stream, ec);
    s.socket().setsockopt(asyncore::sockopt::linger, 0, ec);
    EXPECT_FALSE(ec) << ec.message();
    s.connect(to, ec);
    EXPECT_FALSE(ec) << ec.message();
    loop_until([&] { return s.flag; }, cmap, b, 2.0);
    s.close();
  }
  t.join();
}

INSTANTIATE_TEST_SUITE_P(asyncore, TestAPI, testing::ValuesIn(all_params()), param_name);

}  // namespace
