// SPDX-License-Identifier: MIT
// asyncore for C++: address parsing and formatting. Pure text work, the same
// on every platform; only resolve() asks the platform.
#include <asyncore/address.hpp>

#include "or_throw.hpp"
#include "platform.hpp"

#include <cstdio>
#include <cstring>

namespace asyncore {
namespace {

bool parse_v4(std::string_view s, std::uint8_t out[4]) noexcept {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits == 1 && v == 0) return false;  // no leading zeros (inet_pton)
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > 255) return false;
      ++i;
      ++digits;
    }
    out[part++] = static_cast<std::uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_v6(std::string_view s, std::uint8_t out[16]) noexcept {
  std::uint16_t words[8] = {};
  int n = 0;
  int gap = -1;  // index in words where "::" stood
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      std::memset(out, 0, 16);
      return true;
    }
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // An embedded IPv4 address ends the text.
    std::size_t j = i;
    while (j < s.size() && s[j] != ':' && s[j] != '.') ++j;
    if (j < s.size() && s[j] == '.') {
      if (n > 6) return false;
      std::uint8_t v4[4];
      if (!parse_v4(s.substr(i), v4)) return false;
      words[n++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      words[n++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && hex_value(s[i]) >= 0) {
      v = v * 16 + static_cast<unsigned>(hex_value(s[i]));
      if (++digits > 4) return false;
      ++i;
    }
    if (digits == 0) return false;
    words[n++] = static_cast<std::uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
    } else if (i == s.size()) {
      return false;  // a trailing single ':'
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n == 8) return false;
  std::uint16_t full[8] = {};
  if (gap >= 0) {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = words[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = words[gap + k];
  } else {
    for (int k = 0; k < 8; ++k) full[k] = words[k];
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return true;
}

// True if `host` has a "%zone" made of digits only (a numeric scope id).
bool has_numeric_zone(std::string_view host) noexcept {
  std::size_t pct = host.find('%');
  if (pct == std::string_view::npos) return false;
  std::string_view z = host.substr(pct + 1);
  if (!z.empty() && z.back() == ']') z.remove_suffix(1);
  if (z.empty()) return false;
  for (char c : z)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

address address::parse(std::string_view host, std::uint16_t port, std::error_code& ec) noexcept {
  ec.clear();
  address a;
  a.port_ = port;
  if (host.empty()) {
    a.family_ = family::inet;  // Python's '' is INADDR_ANY
    return a;
  }
  if (host == "localhost") {
    return loopback(family::inet, port);
  }
  // (Not substr: its range check would link an exception's text into firmware.)
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = std::string_view(host.data() + 1, host.size() - 2);
  std::uint8_t b[16];
  if (parse_v4(host, b)) {
    a.family_ = family::inet;
    std::memcpy(a.bytes_.data(), b, 4);
    return a;
  }
  if (!ASYNCORE_INET6) {  // built without IPv6 text (config.hpp): the rest is left out
    ec = make_error_code(errc::invalid_address);
    return address();
  }
  std::string_view h6 = host;
  std::uint32_t scope = 0;
  std::size_t pct = host.find('%');
  if (pct != std::string_view::npos) {
    h6 = host.substr(0, pct);
    std::string_view z = host.substr(pct + 1);
    if (z.empty()) {
      ec = make_error_code(errc::invalid_address);
      return address();
    }
    // A numeric zone must fit sin6_scope_id's 32 bits: "%4294967297" is an
    // error, not interface 1. Interface names ("%eth0") need the resolver
    // (address::resolve), so parse() refuses them too.
    std::uint64_t v = 0;
    for (char c : z) {
      if (c < '0' || c > '9') {
        ec = make_error_code(errc::invalid_address);
        return address();
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      if (v > 0xffffffffu) {
        ec = make_error_code(errc::invalid_address);
        return address();
      }
    }
    scope = static_cast<std::uint32_t>(v);
  }
  if (parse_v6(h6, b)) {
    a.family_ = family::inet6;
    std::memcpy(a.bytes_.data(), b, 16);
    a.scope_id_ = scope;
    return a;
  }
  ec = make_error_code(errc::invalid_address);
  return address();
}

address::address(std::string_view host, std::uint16_t port) noexcept {
  std::error_code ec;
  *this = parse(host, port, ec);
}

address address::local(std::string_view path) noexcept {
  address a;
  a.family_ = family::local;
  if (path.size() > ASYNCORE_LOCAL_PATH_MAX) {
    // path_too_long(): bind and connect refuse it. The length is kept (up to
    // 65535) and compared; the bytes are not.
    a.path_size_ = static_cast<std::uint16_t>(path.size() > 0xffff ? 0xffff : path.size());
    return a;
  }
  if (!path.empty()) std::memcpy(a.path_, path.data(), path.size());
  a.path_size_ = static_cast<std::uint16_t>(path.size());
  return a;
}

address address::any(family f, std::uint16_t port) noexcept {
  address a;
  a.family_ = f == family::inet6 ? family::inet6 : family::inet;
  a.port_ = port;
  return a;
}

address address::loopback(family f, std::uint16_t port) noexcept {
  address a = any(f, port);
  if (a.family_ == family::inet) {
    a.bytes_[0] = 127;
    a.bytes_[3] = 1;
  } else {
    a.bytes_[15] = 1;
  }
  return a;
}

address address::from_bytes(family f, const std::uint8_t* bytes, std::uint16_t port, std::uint32_t scope_id,
                             std::uint32_t flowinfo) noexcept {
  address a;
  if (f != family::inet && f != family::inet6) return a;
  a.family_ = f;
  a.port_ = port;
  a.scope_id_ = scope_id;
  a.flowinfo_ = flowinfo;
  std::memcpy(a.bytes_.data(), bytes, f == family::inet ? 4 : 16);
  return a;
}

address address::resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  std::error_code pe;
  address a = parse(host, port, pe);
  if (!pe && (f == family::unspec || a.get_family() == f)) {
    ec.clear();
    return a;
  }
  if (pe && has_numeric_zone(host)) {
    // "fe80::1%4294967297": a numeric zone parse() refused. A resolver could
    // wrap it to 32 bits; only interface names go on to the resolver.
    ec = pe;
    return address();
  }
  return detail::platform::resolve(host, port, f, ec);
}

#if ASYNCORE_HAS_EXCEPTIONS
address address::resolve(std::string_view host, std::uint16_t port, family f) {
  return detail::or_throw("resolve", [&](std::error_code& ec) { return resolve(host, port, f, ec); });
}
#endif

std::string address::host() const {
  char buf[64];
  switch (family_) {
    case family::inet:
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes_[0], bytes_[1], bytes_[2], bytes_[3]);
      return buf;
    case family::inet6: {
      std::uint16_t w[8];
      for (int k = 0; k < 8; ++k) w[k] = static_cast<std::uint16_t>(bytes_[2 * k] << 8 | bytes_[2 * k + 1]);
      if (!ASYNCORE_INET6) {  // built without IPv6 text (config.hpp): the full form only
        std::snprintf(buf, sizeof buf, "%x:%x:%x:%x:%x:%x:%x:%x", w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
        return buf;
      }
      // RFC 5952: the longest run (>= 2) of zero words becomes "::".
      int best = -1, best_len = 0;
      for (int k = 0; k < 8;) {
        if (w[k] != 0) {
          ++k;
          continue;
        }
        int s = k;
        while (k < 8 && w[k] == 0) ++k;
        if (k - s > best_len) {
          best = s;
          best_len = k - s;
        }
      }
      if (best_len < 2) best = -1;
      std::string out;
      // IPv4-mapped addresses keep their dotted tail, as inet_ntop writes them.
      bool mapped = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff;
      int last = mapped ? 6 : 8;
      for (int k = 0; k < last; ++k) {
        if (k == best) {
          out += "::";
          k += best_len - 1;
          continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", w[k]);
        out += buf;
      }
      if (mapped) {
        if (out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
        out += buf;
      }
      if (scope_id_) {
        std::snprintf(buf, sizeof buf, "%%%u", static_cast<unsigned>(scope_id_));
        out += buf;
      }
      return out;
    }
    case family::local:
      return std::string(path());
    case family::unspec:
      break;
  }
  return std::string();
}

std::string address::to_string() const {
  char buf[48];
  switch (family_) {
    case family::inet:
      std::snprintf(buf, sizeof buf, ":%u", static_cast<unsigned>(port_));
      return host() + buf;
    case family::inet6:
      std::snprintf(buf, sizeof buf, "', %u, %u, %u)", static_cast<unsigned>(port_), static_cast<unsigned>(flowinfo_),
                    static_cast<unsigned>(scope_id_));
      return "('" + host() + buf;
    case family::local:
      return "'" + std::string(path()) + "'";
    case family::unspec:
      break;
  }
  return "None";
}

bool operator==(const address& a, const address& b) noexcept {
  if (a.family_ != b.family_) return false;
  switch (a.family_) {
    case family::inet:
      return a.port_ == b.port_ && std::memcmp(a.bytes_.data(), b.bytes_.data(), 4) == 0;
    case family::inet6:
      return a.port_ == b.port_ && a.scope_id_ == b.scope_id_ && a.bytes_ == b.bytes_;
    case family::local:
      return a.path_size_ == b.path_size_ && a.path() == b.path();
    case family::unspec:
      break;
  }
  return true;
}

}  // namespace asyncore
