// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): neutral addresses <-> SOCKADDR_STORAGE, and the
// resolver.
//
// AF_UNIX is not offered on Windows by this layer (capabilities::local is
// false): Winsock has it only since Windows 10 1803, without datagrams or
// abstract names, and select/WSAPoll support for it varies by release.
//
// "localhost" (and names under ".localhost") is answered here with the
// loopback address, without getaddrinfo: Windows' own resolver does the same
// since Windows 7 (it answers localhost inside the DNS client, not from the
// hosts file), and RFC 6761 6.3 asks resolver libraries to.
#include "platform.hpp"
#include "winsock.hpp"

#include <asyncore/error.hpp>

#include <cstring>
#include <string>

namespace asyncore {
namespace detail {
namespace win32 {

// "localhost", "LocalHost.", "a.localhost": RFC 6761's localhost names.
bool is_localhost(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const std::string_view name = "localhost";
  if (host.size() < name.size()) return false;
  const std::string_view tail = host.substr(host.size() - name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? static_cast<char>(tail[i] - 'A' + 'a') : tail[i];
    if (c != name[i]) return false;
  }
  return host.size() == name.size() || host[host.size() - name.size() - 1] == '.';
}

int native_family(family f) noexcept {
  switch (f) {
    case family::inet: return AF_INET;
    case family::inet6: return AF_INET6;
    default: return 0;
  }
}

bool to_native(const address& a, sockaddr_storage& ss, int& len, std::error_code& ec) noexcept {
  std::memset(&ss, 0, sizeof ss);
  switch (a.get_family()) {
    case family::inet: {
      sockaddr_in sin;
      std::memset(&sin, 0, sizeof sin);
      sin.sin_family = AF_INET;
      sin.sin_port = htons(a.port());
      std::memcpy(&sin.sin_addr, a.bytes(), 4);
      std::memcpy(&ss, &sin, sizeof sin);
      len = static_cast<int>(sizeof sin);
      return true;
    }
    case family::inet6: {
      sockaddr_in6 sin6;
      std::memset(&sin6, 0, sizeof sin6);
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(a.port());
      sin6.sin6_flowinfo = htonl(a.flowinfo());
      sin6.sin6_scope_id = a.scope_id();
      std::memcpy(&sin6.sin6_addr, a.bytes(), 16);
      std::memcpy(&ss, &sin6, sizeof sin6);
      len = static_cast<int>(sizeof sin6);
      return true;
    }
    case family::local:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return false;
    default:
      ec = make_error_code(errc::invalid_address);
      return false;
  }
}

address from_native(const sockaddr* sa, int len) noexcept {
  if (sa == nullptr || len < static_cast<int>(sizeof(sa->sa_family))) return address();
  if (sa->sa_family == AF_INET && len >= static_cast<int>(sizeof(sockaddr_in))) {
    sockaddr_in sin;
    std::memcpy(&sin, sa, sizeof sin);
    std::uint8_t bytes[4];
    std::memcpy(bytes, &sin.sin_addr, 4);
    return address::from_bytes(family::inet, bytes, ntohs(sin.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<int>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof sin6);
    std::uint8_t bytes[16];
    std::memcpy(bytes, &sin6.sin6_addr, 16);
    return address::from_bytes(family::inet6, bytes, ntohs(sin6.sin6_port),
                               static_cast<std::uint32_t>(sin6.sin6_scope_id),
                               static_cast<std::uint32_t>(ntohl(sin6.sin6_flowinfo)));
  }
  return address();
}

}  // namespace win32

namespace platform {

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  ec.clear();
  if (f == family::local) {
    ec = make_error_code(errc::invalid_address);
    return address();
  }
  if (win32::is_localhost(host)) return address::loopback(f == family::inet6 ? family::inet6 : family::inet, port);
  ec = win32::ensure_started();
  if (ec) return address();
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = f == family::unspec ? AF_UNSPEC : win32::native_family(f);
  hints.ai_socktype = SOCK_STREAM;
  std::string name(host);
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(name.empty() ? nullptr : name.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    // getaddrinfo returns a WSA code (EAI_* are WSA codes on Windows). As on
    // POSIX, a name that does not resolve is errc::invalid_address; running
    // out of memory stays what it is.
    ec = rc == WSA_NOT_ENOUGH_MEMORY || rc == WSAENOBUFS || rc == WSANOTINITIALISED ? win32::translate(rc)
         : rc == WSAHOST_NOT_FOUND || rc == WSATRY_AGAIN || rc == WSANO_RECOVERY || rc == WSANO_DATA
             ? make_error_code(errc::host_not_found)
             : make_error_code(errc::invalid_address);
    return address();
  }
  address found;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    found = win32::from_native(ai->ai_addr, static_cast<int>(ai->ai_addrlen));
    if (found) break;
  }
  ::freeaddrinfo(result);
  if (!found) {
    ec = make_error_code(errc::invalid_address);
    return found;
  }
  found.set_port(port);
  return found;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
