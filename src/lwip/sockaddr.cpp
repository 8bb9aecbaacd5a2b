// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): neutral addresses <-> lwIP's sockaddr
// (with sin_len / sin6_len), and the resolver (numeric hosts; lwIP's DNS
// where LWIP_DNS is on).
#include "lwip.hpp"

#include "../platform.hpp"

#include <cstring>
#include <functional>
#include <string>

namespace asyncore {
namespace detail {
namespace lwip {

socklen_t to_sockaddr(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept {
  std::memset(&ss, 0, sizeof ss);
  switch (a.get_family()) {
#if LWIP_IPV4
    case family::inet: {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_len = sizeof(sockaddr_in);
      sin->sin_family = AF_INET;
      sin->sin_port = lwip_htons(a.port());
      std::memcpy(&sin->sin_addr, a.bytes(), 4);
      return sizeof(sockaddr_in);
    }
#endif
#if LWIP_IPV6
    case family::inet6: {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_len = sizeof(sockaddr_in6);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = lwip_htons(a.port());
      sin6->sin6_flowinfo = lwip_htonl(a.flowinfo());
      std::memcpy(&sin6->sin6_addr, a.bytes(), 16);
      sin6->sin6_scope_id = a.scope_id();
      return sizeof(sockaddr_in6);
    }
#endif
    case family::unspec:
      ec = make_error_code(errc::invalid_address);
      return 0;
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return 0;
  }
}

address from_sockaddr(const sockaddr* sa, socklen_t len, bool map_v4) noexcept {
  (void)len;
#if LWIP_IPV4
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    std::uint8_t b[16];
    std::memcpy(b + 12, &sin->sin_addr, 4);
    std::uint16_t port = lwip_ntohs(sin->sin_port);
    if (!map_v4) return address::from_bytes(family::inet, b + 12, port);
    std::memset(b, 0, 10);
    b[10] = b[11] = 0xff;
    return address::from_bytes(family::inet6, b, port);
  }
#else
  (void)map_v4;
#endif
#if LWIP_IPV6
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::uint8_t b[16];
    std::memcpy(b, &sin6->sin6_addr, 16);
    return address::from_bytes(family::inet6, b, lwip_ntohs(sin6->sin6_port), sin6->sin6_scope_id,
                               lwip_ntohl(sin6->sin6_flowinfo));
  }
#endif
  return address();
}

}  // namespace lwip

namespace platform {

using namespace lwip;

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  ec.clear();
#ifdef ASYNCORE_LWIP_ENSURE_STARTED
  ASYNCORE_LWIP_ENSURE_STARTED();
#endif
  // Numeric hosts and "localhost" need no resolver.
  std::error_code pe;
  address a = address::parse(host, port, pe);
  if (!pe && a && (f == family::unspec || a.get_family() == f)) return a;
#if LWIP_DNS
  std::string name(host);
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = f == family::inet ? AF_INET : f == family::inet6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int r = lwip_getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (r != 0 || !res) {
    ec = make_error_code(r == EAI_NONAME || r == EAI_FAIL ? errc::host_not_found : errc::invalid_address);
    return {};
  }
  address out = from_sockaddr(res->ai_addr, res->ai_addrlen);
  lwip_freeaddrinfo(res);
  out.set_port(port);
  if (!out) ec = make_error_code(errc::invalid_address);
  return out;
#else
  // lwIP built without DNS (LWIP_DNS 0): only numeric hosts resolve.
  ec = make_error_code(errc::host_not_found);
  return {};
#endif
}

#if LWIP_DNS
namespace {
// One DNS request in flight through lwIP's raw DNS API, run in lwIP's thread.
struct dns_request {
  std::string host;
  std::uint16_t port;
  family fam;
  std::function<void(std::error_code, address)> done;
};

void dns_found(const char*, const ip_addr_t* ip, void* arg) {
  dns_request* r = static_cast<dns_request*>(arg);
  address a;
  std::error_code ec;
  if (!ip) {
    ec = make_error_code(errc::host_not_found);
  } else {
    char text[64];
    ipaddr_ntoa_r(ip, text, sizeof text);
    a = address::parse(text, r->port, ec);
  }
  r->done(ec, a);
  delete r;
}

void dns_start(void* arg) {  // in lwIP's thread (tcpip_callback)
  dns_request* r = static_cast<dns_request*>(arg);
  ip_addr_t ip;
  const u8_t type = r->fam == family::inet6 ? LWIP_DNS_ADDRTYPE_IPV6
                    : r->fam == family::inet ? LWIP_DNS_ADDRTYPE_IPV4
                                             : LWIP_DNS_ADDRTYPE_DEFAULT;
  const err_t e = dns_gethostbyname_addrtype(r->host.c_str(), &ip, dns_found, r, type);
  if (e == ERR_OK) {
    dns_found(r->host.c_str(), &ip, r);  // cached
  } else if (e != ERR_INPROGRESS) {
    dns_found(r->host.c_str(), nullptr, r);
  }
}
}  // namespace
#endif

void resolve_async(std::string host, std::uint16_t port, family f,
                   std::function<void(std::error_code, address)> done) noexcept {
  // Numeric hosts and "localhost" are known at once (no resolver, no wait).
  std::error_code pe;
  address a = address::parse(host, port, pe);
  if (!pe && a && (f == family::unspec || a.get_family() == f)) {
    done(pe, a);
    return;
  }
#if LWIP_DNS
  dns_request* r = new dns_request{std::move(host), port, f, std::move(done)};
  if (tcpip_callback(dns_start, r) != ERR_OK) {
    std::function<void(std::error_code, address)> d = std::move(r->done);
    delete r;
    d(make_error_code(errc::descriptors_exhausted), address());
  }
#else
  (void)f;
  done(make_error_code(errc::host_not_found), address());  // no DNS in this lwIP
#endif
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
