// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): backend selection and capabilities.
//
// backend::select -> select() with sets sized to the channel count (default);
// backend::poll   -> WSAPoll(); backend::epoll does not exist here.
//
// capabilities are measured once, at first use, not assumed:
//   ipv6  - an AF_INET6 socket can be opened and bound to ::1;
//   oob   - one byte sent with MSG_OOB over a loopback pair shows up in
//           select()'s except set within a second;
//   local - false: this layer does not offer AF_UNIX (see sockaddr.cpp);
//   files - false: file_dispatcher is POSIX-only, as in Python;
//   pollhup - true: WSAPoll reports POLLHUP (a graceful close comes as
//           POLLHUP alone).
#include "platform.hpp"
#include "pollers.hpp"
#include "socket_set.hpp"
#include "winsock.hpp"

#include <asyncore/error.hpp>

namespace asyncore {
namespace detail {
namespace platform {
namespace {

bool probe_ipv6() noexcept {
  std::error_code ec;
  handle h = open(family::inet6, socket_type::stream, ec);
  if (ec) return false;
  bind(h, address::loopback(family::inet6, 0), ec);
  std::error_code ignored;
  close(h, ignored);
  return !ec;
}

bool probe_oob() noexcept {
  std::error_code ec;
  handle pair[2];
  socket_pair(pair, ec);
  if (ec) return false;
  bool seen = false;
  const char byte = '!';
  send(pair[0], &byte, 1, true, ec);
  if (!ec) {
    win32::socket_set except;
    except.reset(1);
    except.add(win32::to_socket(pair[1]));
    timeval tv;
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    seen = ::select(0, nullptr, nullptr, except.native(), &tv) == 1;
  }
  std::error_code ignored;
  close(pair[0], ignored);
  close(pair[1], ignored);
  return seen;
}

}  // namespace

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  switch (b) {
    case backend::select: return win32::make_select_poller();
    case backend::poll: return win32::make_wsapoll_poller();
    default: break;
  }
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept { return b == backend::select || b == backend::poll; }

const capabilities& caps() noexcept {
  static const capabilities c = [] {
    capabilities k{};
    k.platform = "win32";
    k.ipv6 = probe_ipv6();
    k.local = false;
    k.oob = probe_oob();
    k.files = false;
    k.pollhup = true;
    return k;
  }();
  return c;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
