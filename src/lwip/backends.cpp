// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): which backends this lwIP build has, the
// capabilities, and report_invalid (shared by both pollers).
#include "lwip.hpp"

#include "../platform.hpp"
#include "../poller.hpp"
#include "pollers.hpp"

namespace asyncore {
namespace detail {
namespace lwip {
namespace {

bool valid_fd(int fd) noexcept {
  int v = 0;
  socklen_t len = sizeof v;
  return lwip_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0;
}

}  // namespace

// Reports every watched descriptor that is not an open lwIP socket as
// pollnval. Returns true if it found one.
bool report_invalid(flat_vector<slot>& slots, std::size_t n, flat_vector<ready_event>& out) {
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const slot& s = slots[i];
    if (!s.want || s.d == nullptr) continue;
    if (s.handle < 0 || s.handle > 0x7fffffff || !valid_fd(static_cast<int>(s.handle))) {
      out.push_back(ready_event{static_cast<std::uint32_t>(i), pollnval});
      any = true;
    }
  }
  return any;
}

}  // namespace lwip

namespace platform {

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  switch (b) {
#if LWIP_SOCKET_SELECT
    case backend::select: return lwip::make_select_poller();
#endif
#if LWIP_SOCKET_POLL
    case backend::poll: return lwip::make_poll_poller();
#endif
    default: break;
  }
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept {
  switch (b) {
    case backend::select: return LWIP_SOCKET_SELECT != 0;
    case backend::poll: return LWIP_SOCKET_POLL != 0;
    default: return false;
  }
}

const capabilities& caps() noexcept {
  static const capabilities c{
      "lwip",
      /*ipv6=*/LWIP_IPV6 != 0 && LWIP_HAVE_LOOPIF != 0,
      /*local=*/false,
      /*oob=*/false,
      /*files=*/false,
      /*pollhup=*/false,
  };
  return c;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
