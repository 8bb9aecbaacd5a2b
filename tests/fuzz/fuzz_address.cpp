// SPDX-License-Identifier: MIT
// Fuzz harness: asyncore::address::parse, host(), to_string(), from_bytes().
//
// Input: two bytes of port, one mode byte, then the text (or the raw address
// bytes in from_bytes mode). Checked against the C library on the same text:
//  - parse() accepts an IPv4 text  <=> inet_pton(AF_INET) accepts it, with
//    the same bytes (the library takes "" and "localhost" too, and strips
//    one pair of [brackets]; the oracle is given the text without them);
//  - parse() accepts an IPv6 text  <=> inet_pton(AF_INET6) accepts the part
//    before '%' and the zone is empty or decimal digits below 2^32; the bytes
//    and scope id agree with getaddrinfo(AI_NUMERICHOST) on the same text;
//  - whatever parse() accepts, getaddrinfo(AI_NUMERICHOST) accepts, with the
//    same family, bytes and scope id; refused text gives an empty address
//    and errc::invalid_address;
//  - round trip: parse(a.host(), a.port()) == a; host() is what inet_ntop
//    writes (but for ::w.x.y.z-style "compatible" addresses, which RFC 5952
//    writes in hex and glibc in dotted form), plus "%scope";
//  - to_string() is "host:port" (IPv4) or "('host', port, flowinfo, scope)";
//  - the constructor gives the same address as parse().
#include <asyncore/address.hpp>
#include <asyncore/error.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::string hex;
  char b[4];
  for (unsigned char c : text) {
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  std::fprintf(stderr, "fuzz_address: invariant failed: %s\n  text (hex): %s\n  text: '%.*s'\n", what,
               hex.c_str(), static_cast<int>(text.size()), text.data());
  std::abort();
}

#define CHECK(cond, text) \
  do {                    \
    if (!(cond)) fail(#cond, text); \
  } while (0)

struct gai_result {
  bool ok = false;
  int fam = 0;
  std::uint8_t bytes[16] = {};
  std::uint32_t scope = 0;
};

gai_result numeric_getaddrinfo(const std::string& text) {
  gai_result r;
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(text.c_str(), nullptr, &hints, &res) != 0 || !res) return r;
  r.ok = true;
  r.fam = res->ai_family;
  if (res->ai_family == AF_INET) {
    std::memcpy(r.bytes, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, 4);
  } else if (res->ai_family == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(res->ai_addr);
    std::memcpy(r.bytes, &s6->sin6_addr, 16);
    r.scope = s6->sin6_scope_id;
  }
  freeaddrinfo(res);
  return r;
}

bool decimal_u32(std::string_view z) {
  if (z.empty()) return false;
  std::uint64_t v = 0;
  for (char c : z) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > 0xffffffffu) return false;
  }
  return true;
}

// The text getaddrinfo and inet_pton are asked about: what parse() reads
// after its two special cases and the optional brackets.
std::string_view unbracketed(std::string_view t) {
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  return t;
}

void check_format(const asyncore::address& a, std::string_view text) {
  const std::string host = a.host();
  char buf[128];
  if (a.is_v4()) {
    char ntop[INET_ADDRSTRLEN];
    CHECK(inet_ntop(AF_INET, a.bytes(), ntop, sizeof ntop) != nullptr, text);
    CHECK(host == ntop, text);
    std::snprintf(buf, sizeof buf, "%s:%u", ntop, static_cast<unsigned>(a.port()));
    CHECK(a.to_string() == buf, text);
  } else if (a.is_v6()) {
    std::string bare = host;
    if (a.scope_id() != 0) {
      std::snprintf(buf, sizeof buf, "%%%u", static_cast<unsigned>(a.scope_id()));
      CHECK(bare.size() > std::strlen(buf) && bare.compare(bare.size() - std::strlen(buf), std::string::npos, buf) == 0,
            text);
      bare.resize(bare.size() - std::strlen(buf));
    } else {
      CHECK(bare.find('%') == std::string::npos, text);
    }
    in6_addr back{};
    CHECK(inet_pton(AF_INET6, bare.c_str(), &back) == 1, text);
    CHECK(std::memcmp(&back, a.bytes(), 16) == 0, text);
    const std::uint8_t* b = a.bytes();
    bool compat = true;  // glibc writes ::w.x.y.z when only the last two words are used
    for (int k = 0; k < 12; ++k) compat = compat && b[k] == 0;
    compat = compat && (b[12] != 0 || b[13] != 0);
    if (!compat) {
      char ntop[INET6_ADDRSTRLEN];
      CHECK(inet_ntop(AF_INET6, b, ntop, sizeof ntop) != nullptr, text);
      CHECK(bare == ntop, text);
    }
    for (char c : bare) CHECK(!(c >= 'A' && c <= 'F'), text);  // RFC 5952: lower case
    std::snprintf(buf, sizeof buf, "', %u, %u, %u)", static_cast<unsigned>(a.port()),
                  static_cast<unsigned>(a.flowinfo()), static_cast<unsigned>(a.scope_id()));
    CHECK(a.to_string() == "('" + host + buf, text);
  } else {
    CHECK(a.to_string() == "None", text);
  }
  // Round trip through the text.
  if (a.is_v4() || a.is_v6()) {
    std::error_code ec;
    const asyncore::address again = asyncore::address::parse(host, a.port(), ec);
    CHECK(!ec, text);
    CHECK(again == a, text);
    CHECK(again.host() == host, text);
  }
}

void check_text(std::string_view text, std::uint16_t port) {
  std::error_code ec;
  const asyncore::address a = asyncore::address::parse(text, port, ec);
  const asyncore::address ctor(text, port);
  CHECK(ctor == a, text);
  CHECK(!ec == static_cast<bool>(a), text);
  if (ec) CHECK(ec == asyncore::make_error_code(asyncore::errc::invalid_address), text);

  if (text.empty()) {
    CHECK(a.is_v4() && a.port() == port, text);
    static const std::uint8_t zero[4] = {};
    CHECK(std::memcmp(a.bytes(), zero, 4) == 0, text);
    check_format(a, text);
    return;
  }
  if (text == "localhost") {
    CHECK(a == asyncore::address::loopback(asyncore::family::inet, port), text);
    check_format(a, text);
    return;
  }

  const std::string_view inner = unbracketed(text);
  const bool has_nul = inner.find('\0') != std::string_view::npos;
  const std::string s(inner);

  // The independent verdict: inet_pton on the same text (host part, zone).
  bool want_v4 = false, want_v6 = false;
  std::uint8_t v4[4] = {}, v6[16] = {};
  std::uint32_t want_scope = 0;
  if (!has_nul) {
    want_v4 = inet_pton(AF_INET, s.c_str(), v4) == 1;
    if (!want_v4) {
      const std::size_t pct = s.find('%');
      const std::string h = s.substr(0, pct);
      const bool zone_ok = pct == std::string::npos || decimal_u32(std::string_view(s).substr(pct + 1));
      want_v6 = zone_ok && inet_pton(AF_INET6, h.c_str(), v6) == 1;
      if (want_v6 && pct != std::string::npos) want_scope = static_cast<std::uint32_t>(std::strtoul(s.c_str() + pct + 1, nullptr, 10));
    }
  }
  CHECK(a.is_v4() == want_v4, text);
  CHECK(a.is_v6() == want_v6, text);
  if (want_v4) CHECK(std::memcmp(a.bytes(), v4, 4) == 0, text);
  if (want_v6) {
    CHECK(std::memcmp(a.bytes(), v6, 16) == 0, text);
    CHECK(a.scope_id() == want_scope, text);
  }
  if (a) {
    CHECK(a.port() == port, text);
    CHECK(a.flowinfo() == 0, text);
    // Whatever parse() accepts, the system's numeric parser accepts alike.
    const gai_result g = numeric_getaddrinfo(s);
    CHECK(g.ok, text);
    CHECK(g.fam == (a.is_v4() ? AF_INET : AF_INET6), text);
    CHECK(std::memcmp(g.bytes, a.bytes(), a.is_v4() ? 4 : 16) == 0, text);
    if (a.is_v6()) CHECK(g.scope == a.scope_id(), text);
  } else {
    CHECK(a.get_family() == asyncore::family::unspec, text);
  }
  check_format(a, text);
}

void check_bytes(const std::uint8_t* data, std::size_t size, std::uint16_t port, bool v6) {
  const std::size_t need = v6 ? 24 : 4;
  if (size < need) return;
  std::uint32_t scope = 0, flow = 0;
  if (v6) {
    std::memcpy(&scope, data + 16, 4);
    std::memcpy(&flow, data + 20, 4);
    if (data[16] & 1) scope = 0;  // many scopes are 0 in practice
  }
  const asyncore::address a =
      asyncore::address::from_bytes(v6 ? asyncore::family::inet6 : asyncore::family::inet, data, port, scope, flow);
  const std::string_view text(reinterpret_cast<const char*>(data), need);
  CHECK(a.is_v6() == v6 && a.is_v4() == !v6, text);
  CHECK(std::memcmp(a.bytes(), data, v6 ? 16 : 4) == 0, text);
  if (v6) CHECK(a.scope_id() == scope && a.flowinfo() == flow, text);
  // The text form parses back to the same address (flowinfo is not in it).
  std::error_code ec;
  const asyncore::address back = asyncore::address::parse(a.host(), port, ec);
  CHECK(!ec, text);
  CHECK(back == a, text);
  check_format(back, text);
  const std::string t = a.host();
  check_text(t, port);
  check_text("[" + t + "]", port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3 || size > 256) return 0;
  const std::uint16_t port = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  const std::uint8_t mode = data[2];
  data += 3;
  size -= 3;
  switch (mode % 4) {
    case 0:
    case 1:
      check_text(std::string_view(reinterpret_cast<const char*>(data), size), port);
      break;
    case 2:
      check_bytes(data, size, port, false);
      break;
    case 3:
      check_bytes(data, size, port, true);
      break;
  }
  return 0;
}
