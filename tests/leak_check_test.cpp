// SPDX-License-Identifier: MIT
// The leak check itself (tests/support.cpp): the census sees a socket open
// and close on this platform, the report names the counts and the new
// handle, and the listener is on for the whole binary.
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using namespace asyncore_test;

TEST(LeakCheck, test_census_counts_an_open_socket) {
  const handle_census before = take_handle_census();
  if (!before.supported) GTEST_SKIP() << "this platform cannot count its " << before.what << "s";
  std::error_code ec;
  asyncore::socket s = asyncore::socket::open(family::inet, asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  const handle_census open = take_handle_census();
  EXPECT_EQ(open.handles.size(), before.handles.size() + 1);
  EXPECT_FALSE(leak_message(before, open).empty());
  s.close();
  const handle_census closed = take_handle_census();
  EXPECT_EQ(closed.handles.size(), before.handles.size());
  EXPECT_TRUE(leak_message(before, closed).empty());
}

TEST(LeakCheck, test_message_names_counts_and_handles) {
  handle_census before, after;
  before.what = after.what = "descriptor";
  before.handles = {"fd 0", "fd 1"};
  after.handles = {"fd 0", "fd 1", "fd 7 (socket:[42])"};
  const std::string m = leak_message(before, after);
  EXPECT_NE(m.find("leaked 1 descriptor(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("2 open before the test, 3 after"), std::string::npos) << m;
  EXPECT_NE(m.find("fd 7 (socket:[42])"), std::string::npos) << m;
  EXPECT_EQ(leak_message(after, before), "");  // fewer after: not a leak
  EXPECT_EQ(leak_message(after, after), "");
}

TEST(LeakCheck, test_listener_is_registered) {
  if (std::getenv("ASYNCORE_TEST_NO_LEAK_CHECK")) GTEST_SKIP() << "ASYNCORE_TEST_NO_LEAK_CHECK is set";
  EXPECT_TRUE(leak_check_registered());
}

}  // namespace
