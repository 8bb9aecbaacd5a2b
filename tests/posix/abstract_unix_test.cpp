// SPDX-License-Identifier: MIT
// AF_UNIX abstract names (Linux) that fill sun_path completely: 108 bytes,
// the leading NUL included, with no terminating NUL. Linux and Python accept
// them (the address length is offsetof(sockaddr_un, sun_path) + 108); the
// POSIX layer must neither refuse them ("File name too long") nor cut them.
#include <asyncore/socket.hpp>

#include <gtest/gtest.h>

#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <system_error>
#include <unistd.h>

namespace {

using asyncore::address;
using asyncore::family;
using asyncore::socket;
using asyncore::socket_type;

constexpr std::size_t sun_path_size = sizeof(static_cast<sockaddr_un*>(nullptr)->sun_path);

// A unique abstract name of exactly `n` bytes: "\0" + text, padded with 'x'.
std::string abstract_name(std::size_t n) {
  std::string s(1, '\0');
  s += "asyncore-test-" + std::to_string(::getpid()) + "-" + std::to_string(n) + "-";
  s.resize(n, 'x');
  return s;
}

TEST(AbstractUnix, FullLengthNameBindsConnectsAndIsReported) {
#ifndef __linux__
  GTEST_SKIP() << "abstract AF_UNIX names are a Linux feature";
#endif
  ASSERT_EQ(sun_path_size, 108u);
  const std::string name = abstract_name(sun_path_size);
  ASSERT_EQ(name.size(), 108u);
  const address where = address::local(name);

  std::error_code ec;
  socket server = socket::open(family::local, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  server.bind(where, ec);
  ASSERT_FALSE(ec) << ec.message();
  server.listen(1, ec);
  ASSERT_FALSE(ec) << ec.message();

  address bound = server.getsockname(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(bound.is_local());
  EXPECT_EQ(bound.path().size(), 108u);
  EXPECT_EQ(bound.path(), name);

  socket client = socket::open(family::local, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  client.connect(where, ec);
  // A non-blocking AF_UNIX connect to a listener completes at once, or is
  // under way.
  EXPECT_TRUE(!ec || ec == std::errc::operation_in_progress) << ec.message();

  address peer = client.getpeername(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(peer.path(), name);
}

TEST(AbstractUnix, NameOfOneByteMoreIsTooLong) {
#ifndef __linux__
  GTEST_SKIP() << "abstract AF_UNIX names are a Linux feature";
#endif
  std::error_code ec;
  socket s = socket::open(family::local, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  s.bind(address::local(abstract_name(sun_path_size + 1)), ec);
  EXPECT_EQ(ec, std::errc::filename_too_long);
}

TEST(AbstractUnix, PathsStillNeedTheirTerminatingNul) {
  // A filesystem path of 108 bytes leaves no room for the NUL: refused, as
  // Python refuses it.
  std::error_code ec;
  socket s = socket::open(family::local, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  s.bind(address::local("/tmp/" + std::string(sun_path_size - 5, 'p')), ec);
  EXPECT_EQ(ec, std::errc::filename_too_long);
}

TEST(AbstractUnix, ShortAbstractNameRoundTrips) {
#ifndef __linux__
  GTEST_SKIP() << "abstract AF_UNIX names are a Linux feature";
#endif
  const std::string name = abstract_name(40);
  std::error_code ec;
  socket s = socket::open(family::local, socket_type::stream, ec);
  ASSERT_FALSE(ec) << ec.message();
  s.bind(address::local(name), ec);
  ASSERT_FALSE(ec) << ec.message();
  address bound = s.getsockname(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(bound.path(), name);
}

}  // namespace
