// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): which backends this platform has, and the
// capabilities.
#include "../platform.hpp"
#include "../poller.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace asyncore {
namespace detail {
namespace posix {
std::unique_ptr<poller> make_select_poller();
std::unique_ptr<poller> make_poll_poller();
std::unique_ptr<poller> make_epoll_poller(std::error_code& ec);  // epoll_poller.cpp (Linux) or no_epoll.cpp
bool have_epoll() noexcept;
}  // namespace posix

namespace platform {

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  switch (b) {
    case backend::select:
      return posix::make_select_poller();
    case backend::poll:
      return posix::make_poll_poller();
    case backend::epoll:
      if (posix::have_epoll()) return posix::make_epoll_poller(ec);
      break;
  }
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept { return b != backend::epoll || posix::have_epoll(); }

const capabilities& caps() noexcept {
  static const capabilities c = [] {
    capabilities k{};
    k.platform = "posix";
    k.local = true;
    k.oob = true;
    k.files = true;
    k.pollhup = true;
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd >= 0) {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_addr = in6addr_loopback;
      k.ipv6 = ::bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6) == 0;
      ::close(fd);
    }
    return k;
  }();
  return c;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
