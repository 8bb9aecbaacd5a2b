// SPDX-License-Identifier: MIT
// The leak check's census on lwIP's raw API (tests/support.cpp): the used
// records of the platform's handle table (src/lwip/raw/raw.hpp), each named
// by its handle and kind. Nothing else can leak a handle on this platform.
#include "lwip/raw/raw.hpp"

#include "support.hpp"

#include <string>

namespace asyncore_test {

handle_census take_handle_census() {
  namespace raw = asyncore::detail::lwip_raw;
  handle_census c;
  c.what = "lwIP raw handle";
  for (int h = 0; h < raw::max_handles; ++h) {
    const raw::record* r = raw::get(h);
    if (!r) continue;
    const char* k = r->k == raw::kind::tcp ? "tcp" : r->k == raw::kind::listener ? "listener"
                    : r->k == raw::kind::udp ? "udp" : "wake-up";
    c.handles.push_back("lwIP raw handle " + std::to_string(h) + " (" + k + ")");
  }
  return c;
}

}  // namespace asyncore_test
