// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): neutral addresses <-> sockaddr, and the resolver.
#include "../platform.hpp"
#include "posix.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace asyncore {
namespace detail {

namespace posix {

socklen_t to_native(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept {
  std::memset(&ss, 0, sizeof ss);
  ec.clear();
  switch (a.get_family()) {
    case family::inet: {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(a.port());
      std::memcpy(&sin->sin_addr, a.bytes(), 4);
      return sizeof(sockaddr_in);
    }
    case family::inet6: {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(a.port());
      sin6->sin6_flowinfo = htonl(a.flowinfo());
      sin6->sin6_scope_id = a.scope_id();
      std::memcpy(&sin6->sin6_addr, a.bytes(), 16);
      return sizeof(sockaddr_in6);
    }
    case family::local: {
      auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
      const std::string_view p = a.path();
      if (a.path_too_long()) {  // longer than an address keeps: longer than sun_path too
        ec = std::make_error_code(std::errc::filename_too_long);
        return 0;
      }
      // A path needs its terminating NUL inside sun_path. An abstract name
      // (leading NUL, Linux) is counted by the length, not terminated, so it
      // may fill sun_path completely, as Linux and Python allow.
      const bool abstract = !p.empty() && p[0] == '\0';
      if (abstract ? p.size() > sizeof sun->sun_path : p.size() >= sizeof sun->sun_path) {
        ec = std::make_error_code(std::errc::filename_too_long);
        return 0;
      }
      sun->sun_family = AF_UNIX;
      std::memcpy(sun->sun_path, p.data(), p.size());
      return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + p.size() + (abstract ? 0 : 1));
    }
    case family::unspec:
      break;
  }
  ec = make_error_code(errc::invalid_address);
  return 0;
}

address from_native(const sockaddr* sa, socklen_t len) {
  if (len < static_cast<socklen_t>(sizeof(sa_family_t))) return address();
  switch (sa->sa_family) {
    case AF_INET: {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
      return address::from_bytes(family::inet, reinterpret_cast<const std::uint8_t*>(&sin->sin_addr),
                                 ntohs(sin->sin_port));
    }
    case AF_INET6: {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
      return address::from_bytes(family::inet6, reinterpret_cast<const std::uint8_t*>(&sin6->sin6_addr),
                                 ntohs(sin6->sin6_port), sin6->sin6_scope_id, ntohl(sin6->sin6_flowinfo));
    }
    case AF_UNIX: {
      const auto* sun = reinterpret_cast<const sockaddr_un*>(sa);
      std::size_t n = len > static_cast<socklen_t>(offsetof(sockaddr_un, sun_path))
                          ? static_cast<std::size_t>(len) - offsetof(sockaddr_un, sun_path)
                          : 0;
      if (n > sizeof sun->sun_path) n = sizeof sun->sun_path;
      if (n && sun->sun_path[0] != '\0') n = ::strnlen(sun->sun_path, n);  // a path, NUL-terminated
      return address::local(std::string_view(sun->sun_path, n));
    }
    default:
      return address();
  }
}

}  // namespace posix

namespace platform {

using posix::last_error;

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  ec.clear();
  addrinfo hints{};
  hints.ai_family = f == family::inet ? AF_INET : f == family::inet6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string h(host);
  int rc = ::getaddrinfo(h.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    ec = rc == EAI_SYSTEM ? last_error()
         : (rc == EAI_NONAME || rc == EAI_AGAIN || rc == EAI_FAIL) ? make_error_code(errc::host_not_found)
                                                                     : make_error_code(errc::invalid_address);
    return address();
  }
  address a = posix::from_native(res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  a.set_port(port);
  return a;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
