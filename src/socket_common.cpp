// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the socket logic every platform layer shares
// (see socket_common.hpp). Platform-neutral: it uses only the platform
// interface and the tables the platforms fill.
#include "socket_common.hpp"

#include "platform.hpp"

namespace asyncore {
namespace detail {
namespace common {

const native_option* find_option(const option_table& t, sockopt opt) noexcept {
  const native_option* o = nullptr;
  switch (opt) {
    case sockopt::reuse_addr: o = &t.reuse_addr; break;
    case sockopt::error: o = &t.error; break;
    case sockopt::type: o = &t.type; break;
    case sockopt::keep_alive: o = &t.keep_alive; break;
    case sockopt::broadcast: o = &t.broadcast; break;
    case sockopt::rcvbuf: o = &t.rcvbuf; break;
    case sockopt::sndbuf: o = &t.sndbuf; break;
    case sockopt::tcp_nodelay: o = &t.tcp_nodelay; break;
    case sockopt::v6only: o = &t.v6only; break;
    case sockopt::linger: o = &t.linger; break;
  }
  return o != nullptr && o->present ? o : nullptr;
}

bool loopback_socket_pair(family f, const loopback_pair_options& o, handle out[2], std::error_code& ec) noexcept {
  namespace pf = platform;
  std::error_code ignored;
  handle listener = pf::open(f, socket_type::stream, ec);
  if (ec) return false;
  handle client = invalid_handle;
  handle server = invalid_handle;
  address where, client_local;
  if (o.exclusive_listener) pf::set_reuse_addr(listener, ec);
  if (!ec) pf::bind(listener, address::loopback(f, 0), ec);
  if (!ec) pf::listen(listener, 1, ec);
  if (!ec) where = pf::local_address(listener, ec);
  if (!ec) client = pf::open(f, socket_type::stream, ec);
  if (!ec) pf::set_blocking(client, true, ec);
  if (!ec) pf::connect(client, where, ec);
  if (!ec) pf::set_blocking(client, false, ec);
  if (!ec && o.check_peer) client_local = pf::local_address(client, ec);
  if (!ec) pf::set_blocking(listener, true, ec);
  // Bounded: at most a few strangers are turned away.
  for (int attempt = 0; !ec && attempt < 8 && server == invalid_handle; ++attempt) {
    address peer;
    handle candidate = pf::accept(listener, o.check_peer ? &peer : nullptr, ec);  // non-blocking
    if (ec) break;
    if (!o.check_peer || peer == client_local) {
      server = candidate;
    } else {
      pf::close(candidate, ignored);
    }
  }
  if (!ec && server == invalid_handle) ec = std::make_error_code(std::errc::connection_refused);
  if (!ec && o.no_delay) pf::setsockopt(client, sockopt::tcp_nodelay, 1, ec);
  if (!ec && o.no_delay) pf::setsockopt(server, sockopt::tcp_nodelay, 1, ec);
  pf::close(listener, ignored);
  if (ec) {
    if (client != invalid_handle) pf::close(client, ignored);
    if (server != invalid_handle) pf::close(server, ignored);
    return false;
  }
  out[0] = client;
  out[1] = server;
  return true;
}

}  // namespace common
}  // namespace detail
}  // namespace asyncore
