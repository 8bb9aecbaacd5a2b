// SPDX-License-Identifier: MIT
// IPv6 zones ("%scope") in numeric addresses: a number must fit the 32 bits
// of sin6_scope_id. "fe80::1%4294967297" used to wrap silently to scope 1;
// it is errc::invalid_address, from parse(), the constructor and resolve().
// A build without IPv6 text (ASYNCORE_INET6 0, the firmware presets) refuses
// every IPv6 text: the cases that parse one are skipped there, and
// AddressText.inet6_text_follows_the_build checks what such a build does.
#include <asyncore/address.hpp>
#include <asyncore/error.hpp>

#include <gtest/gtest.h>

#include <system_error>

namespace {

using asyncore::address;
using asyncore::family;

TEST(AddressScope, LargestScopeIdParses) {
  if (!ASYNCORE_INET6) GTEST_SKIP() << "built with ASYNCORE_INET6=OFF: IPv6 text is refused";
  std::error_code ec;
  address a = address::parse("fe80::1%4294967295", 80, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(a.is_v6());
  EXPECT_EQ(a.scope_id(), 4294967295u);
  EXPECT_EQ(a.port(), 80);
}

TEST(AddressScope, ScopeIdsBeyond32BitsAreInvalid) {
  for (const char* text : {"fe80::1%4294967296", "fe80::1%4294967297", "fe80::1%18446744073709551617",
                           "fe80::1%99999999999999999999999999", "[fe80::1%4294967297]"}) {
    std::error_code ec;
    address a = address::parse(text, 0, ec);
    EXPECT_EQ(ec, asyncore::errc::invalid_address) << text;
    EXPECT_FALSE(a) << text;
    EXPECT_FALSE(address(text, 0)) << text;  // the constructor gives an empty address
  }
}

TEST(AddressScope, ResolveDoesNotWrapEither) {
  std::error_code ec;
  address a = address::resolve("fe80::1%4294967297", 0, family::unspec, ec);
  EXPECT_EQ(ec, asyncore::errc::invalid_address);
  EXPECT_FALSE(a);
  a = address::resolve("fe80::1%4294967297", 0, family::inet6, ec);
  EXPECT_EQ(ec, asyncore::errc::invalid_address);
  EXPECT_FALSE(a);
}

TEST(AddressScope, MalformedZonesAreInvalid) {
  for (const char* text : {"fe80::1%", "fe80::1%-1", "fe80::1%+1", "fe80::1%1 ", "fe80::1%0x10"}) {
    std::error_code ec;
    address::parse(text, 0, ec);
    EXPECT_EQ(ec, asyncore::errc::invalid_address) << text;
  }
}

TEST(AddressScope, SmallScopesStillParse) {
  if (!ASYNCORE_INET6) GTEST_SKIP() << "built with ASYNCORE_INET6=OFF: IPv6 text is refused";
  std::error_code ec;
  EXPECT_EQ(address::parse("fe80::1%0", 0, ec).scope_id(), 0u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(address::parse("fe80::1%0004", 0, ec).scope_id(), 4u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(address::parse("[fe80::1%7]", 0, ec).scope_id(), 7u);
  EXPECT_FALSE(ec);
}

// ASYNCORE_INET6 1 parses and writes IPv6 text (RFC 5952); 0 refuses it
// and writes an IPv6 address from raw bytes in the full form.
TEST(AddressText, inet6_text_follows_the_build) {
  std::error_code ec;
  address a = address::parse("::1", 8, ec);
  const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
  const address b = address::from_bytes(family::inet6, v6, 9);
  if (ASYNCORE_INET6) {
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(a.is_v6());
    EXPECT_EQ(a.host(), "::1");
    EXPECT_EQ(b.host(), "2001:db8::a");
  } else {
    EXPECT_EQ(ec, asyncore::errc::invalid_address);
    EXPECT_FALSE(a);
    EXPECT_FALSE(address("[::1]", 8));
    EXPECT_EQ(b.host(), "2001:db8:0:0:0:0:0:a");
  }
  EXPECT_EQ(b.to_string(), "('" + b.host() + "', 9, 0, 0)");
  // IPv4 text is the same in both.
  EXPECT_EQ(address::parse("10.1.2.3", 7, ec).to_string(), "10.1.2.3:7");
  EXPECT_FALSE(ec);
}

}  // namespace
