// SPDX-License-Identifier: MIT
// CPython's DispatcherWithSendTests (TA:317-369), plus the fixes: no busy
// loop while idle or unconnected, and large buffers drained without loss.
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace asyncore_test;

// CPython's capture_server, as a channel: collects bytes until '\n'.
struct capture_handler : asyncore::dispatcher {
  capture_handler(asyncore::socket sock, asyncore::socket_map* m, std::string* out, bool* done, std::error_code& ec)
      : dispatcher(std::move(sock), m, ec), out_(out), done_(done) {}
  bool writable() override { return false; }
  void handle_read() override {
    char buf[65536];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    out_->append(buf, n);
    if (!out_->empty() && out_->back() == '\n') {
      out_->pop_back();
      *done_ = true;
      close();
    }
  }
  void handle_close() override { close(); }
  std::string* out_;
  bool* done_;
};

struct dispatcherwithsend_noread : asyncore::dispatcher_with_send {
  using dispatcher_with_send::dispatcher_with_send;
  bool readable() override { return false; }
  void handle_connect() override {}
};

class DispatcherWithSendTests : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override { asyncore::close_all(&map_, true); }
  void check_send(const std::string& data, bool connect_first = false) {
    std::string cap;
    bool done = false;
    base_server server(&map_, bind_address(GetParam().fam),
                       [&](asyncore::socket sock, asyncore::socket_map* m) {
                         std::error_code ec;
                         asyncore::make_owned<capture_handler>(std::move(sock), m, &cap, &done, ec);
                       });
    dispatcherwithsend_noread d(&map_);
    std::error_code ec;
    d.create_socket(GetParam().fam, asyncore::socket_type::stream, ec);
    d.connect(server.address_(), ec);
    ASSERT_FALSE(ec) << ec.message();
    if (connect_first) {
      // Sends now go straight from the caller's bytes while nothing is
      // queued; what the socket does not take is queued behind them.
      ASSERT_TRUE(loop_until([&] { return d.connected; }, map_, GetParam().be));
    }

    d.send(data);
    d.send(data);
    d.send(std::string_view("\n"));

    int n = 100000;
    while (d.out_buffer_size() && n > 0) {
      asyncore::poll_once(0.01, GetParam().be, &map_, ec);
      --n;
    }
    EXPECT_EQ(d.out_buffer_size(), 0u);
    EXPECT_TRUE(loop_until([&] { return done; }, map_, GetParam().be));
    EXPECT_EQ(cap.size(), data.size() * 2);
    EXPECT_TRUE(cap == data + data);
  }
  asyncore::socket_map map_;
};

TEST_P(DispatcherWithSendTests, test_send) { check_send("Suppose there isn't a 16-ton weight?"); }

// Several megabytes: many partial sends, each write event sending until the
// socket would block; nothing lost or reordered.
TEST_P(DispatcherWithSendTests, test_send_large) {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  check_send(data);
}

TEST_P(DispatcherWithSendTests, test_send_large_when_connected) {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 5 + i / 1000) % 26);
  check_send(data, true);
}

// Fix of CPython's busy loop: writable() is false when there is nothing to
// send, connected or not (CPython says True whenever not connected).
TEST_P(DispatcherWithSendTests, test_not_writable_when_idle) {
  dispatcherwithsend_noread d(&map_);
  EXPECT_FALSE(d.writable());  // no socket, not connecting
  std::error_code ec;
  d.create_socket(GetParam().fam, asyncore::socket_type::stream, ec);
  EXPECT_FALSE(d.writable());  // created, never connected
  base_server server(&map_, bind_address(GetParam().fam));
  d.connect(server.address_(), ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(d.writable() || d.connected);  // connecting: wait for the connect
  EXPECT_TRUE(loop_until([&] { return d.connected; }, map_, GetParam().be));
  EXPECT_FALSE(d.writable());  // connected with an empty buffer
}

INSTANTIATE_TEST_SUITE_P(asyncore, DispatcherWithSendTests, testing::ValuesIn(all_params()), param_name);

}  // namespace
