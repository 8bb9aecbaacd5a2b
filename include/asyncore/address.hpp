// SPDX-License-Identifier: MIT
/// \file
/// Socket addresses.
///
/// One value type for IPv4, IPv6 and (where the platform has it) AF_UNIX. It
/// holds no platform structure: the platform layer converts it to and from the
/// native sockaddr, so this header is the same everywhere.
///
///     asyncore::address a("127.0.0.1", 8080);      // IPv4
///     asyncore::address b("::1", 0);               // IPv6, any free port
///     asyncore::address c("", 0);                  // IPv4 INADDR_ANY (Python's '')
///     auto u = asyncore::address::local("/tmp/s"); // AF_UNIX
///     a.to_string();  // "127.0.0.1:8080", the text Python's repr shows
///
/// Only numeric hosts and "localhost" are parsed here; the constructor never
/// blocks. address::resolve() asks the platform's resolver (it may block, as
/// Python's connect does).
#ifndef ASYNCORE_ADDRESS_HPP
#define ASYNCORE_ADDRESS_HPP

#include <asyncore/config.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace asyncore {

/// Address families (Python: socket.AF_INET, AF_INET6, AF_UNIX).
enum class family : std::uint8_t {
  unspec = 0,  ///< no family: an empty address; for resolve(), "any family"
  inet,        ///< IPv4 (AF_INET)
  inet6,       ///< IPv6 (AF_INET6)
  local        ///< AF_UNIX (POSIX only: see capabilities::local)
};

/// Socket types (Python: socket.SOCK_STREAM, SOCK_DGRAM).
enum class socket_type : std::uint8_t {
  stream = 1,  ///< TCP, or an AF_UNIX stream (SOCK_STREAM)
  dgram        ///< UDP, or an AF_UNIX datagram socket (SOCK_DGRAM)
};

/// A socket address: IPv4, IPv6 or AF_UNIX, or empty (Python's address
/// tuples <code>('127.0.0.1', 80)</code>, <code>('::1', 80, 0, 0)</code> and path strings).
///
/// A value type that holds no platform structure: the platform layer
/// converts it to and from the native sockaddr. It is trivially copyable:
/// an AF_UNIX path is kept inside it, up to ASYNCORE_LOCAL_PATH_MAX bytes
/// (108 on POSIX and Windows, 0 on lwIP); a longer path makes an address that
/// bind() and connect() refuse with std::errc::filename_too_long.
class ASYNCORE_API address {
 public:
  /// An empty address (family::unspec). `!a` is true for it.
  address() noexcept = default;

  /// Parses a numeric IPv4 or IPv6 host ("127.0.0.1", "::1", `"fe80::1%2"`),
  /// "localhost" (127.0.0.1) or "" (IPv4 any); `port` in host order. Text that does not parse gives
  /// an empty address; bind/connect then fail with errc::invalid_address.
  /// Use parse() to get the error at once.
  address(std::string_view host, std::uint16_t port) noexcept;

  /// Like the constructor, but reports text that does not parse. An IPv6
  /// zone must be a number that fits 32 bits (`"fe80::1%4294967297"` is
  /// errc::invalid_address, never wrapped); interface names (`"%eth0"`) are
  /// left to resolve(). On failure `ec` is set and the result is empty.
  static address parse(std::string_view host, std::uint16_t port, std::error_code& ec) noexcept;

  /// An AF_UNIX address (a filesystem path; a leading <code>'\\0'</code> is Linux's
  /// abstract namespace).
  static address local(std::string_view path) noexcept;

  /// The "any" address for bind(): `::` for family::inet6, otherwise
  /// 0.0.0.0 (Python's '').
  static address any(family f, std::uint16_t port = 0) noexcept;
  /// The loopback address: `::1` for family::inet6, otherwise 127.0.0.1.
  static address loopback(family f, std::uint16_t port = 0) noexcept;

  /// Resolves a host name with the platform's resolver (blocking: use it
  /// before the loop runs, or asyncore::resolve() inside it). `f` may be
  /// unspec to take the first address of any family. An unknown name gives
  /// errc::host_not_found in `ec` and an empty address.
  static address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec);
#if ASYNCORE_HAS_EXCEPTIONS
  /// As resolve(std::string_view, std::uint16_t, family, std::error_code&);
  /// throws std::system_error on failure.
  static address resolve(std::string_view host, std::uint16_t port, family f = family::unspec);
#endif

  /// Builds an IP address from raw network-order bytes (4 for family::inet,
  /// 16 for family::inet6); `port` in host order.
  static address from_bytes(family f, const std::uint8_t* bytes, std::uint16_t port,
                            std::uint32_t scope_id = 0, std::uint32_t flowinfo = 0) noexcept;

  /// The address family (family::unspec when empty).
  family get_family() const noexcept { return family_; }
  /// True for an IPv4 address.
  bool is_v4() const noexcept { return family_ == family::inet; }
  /// True for an IPv6 address.
  bool is_v6() const noexcept { return family_ == family::inet6; }
  /// True for an AF_UNIX address.
  bool is_local() const noexcept { return family_ == family::local; }
  /// False for the empty address (family::unspec).
  explicit operator bool() const noexcept { return family_ != family::unspec; }

  /// The port, in host order (0 for AF_UNIX and empty addresses).
  std::uint16_t port() const noexcept { return port_; }
  /// Changes the port (host order).
  void set_port(std::uint16_t p) noexcept { port_ = p; }
  /// The IPv6 scope (zone) id, 0 when none (Python: the tuple's 4th item).
  std::uint32_t scope_id() const noexcept { return scope_id_; }
  /// The IPv6 flow info (Python: the tuple's 3rd item).
  std::uint32_t flowinfo() const noexcept { return flowinfo_; }
  /// The 4 (IPv4) or 16 (IPv6) address bytes, network order.
  const std::uint8_t* bytes() const noexcept { return bytes_.data(); }
  /// The AF_UNIX path (empty when it was too long to keep: see path_too_long).
  std::string_view path() const noexcept {
    return path_too_long() ? std::string_view() : std::string_view(reinterpret_cast<const char*>(path_), path_size_);
  }
  /// True for an AF_UNIX address made from a path longer than
  /// ASYNCORE_LOCAL_PATH_MAX bytes: it holds no path, and binding or
  /// connecting to it fails with std::errc::filename_too_long. Two such
  /// addresses compare equal when their paths had the same length.
  bool path_too_long() const noexcept { return path_size_ > ASYNCORE_LOCAL_PATH_MAX; }

  /// The host as text: "127.0.0.1", "::1" (RFC 5952 form), or the path.
  std::string host() const;

  /// The text Python's dispatcher repr shows for this address:
  /// "127.0.0.1:8080" for IPv4, "('::1', 8080, 0, 0)" for IPv6, "'/path'"
  /// for AF_UNIX, "None" when empty.
  std::string to_string() const;

  /// Same family and: IPv4, the same port and bytes; IPv6, the same port,
  /// bytes and scope id (flow info is not compared); AF_UNIX, the same
  /// path. Two empty addresses are equal.
  friend ASYNCORE_API bool operator==(const address& a, const address& b) noexcept;
  /// `!(a == b)`.
  friend bool operator!=(const address& a, const address& b) noexcept { return !(a == b); }

 private:
  family family_ = family::unspec;
  std::uint16_t port_ = 0;
  std::uint16_t path_size_ = 0;  // above ASYNCORE_LOCAL_PATH_MAX: too long, nothing kept
  std::uint32_t scope_id_ = 0;
  std::uint32_t flowinfo_ = 0;
  std::array<std::uint8_t, 16> bytes_{};
  unsigned char path_[ASYNCORE_LOCAL_PATH_MAX > 0 ? ASYNCORE_LOCAL_PATH_MAX : 1] = {};
};

}  // namespace asyncore

#endif  // ASYNCORE_ADDRESS_HPP
