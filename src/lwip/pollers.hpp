// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, lwIP platform): the two loop backends.
//
// What lwIP reports, and how it is passed to the loop:
//  - lwIP's exceptset / POLLERR mean "this socket has an error" (the netconn
//    got NETCONN_EVT_ERROR: reset, refused connect, abort). There is no
//    out-of-band data in lwIP. Both are reported as pollerr, never pollpri.
//    The error is sticky (lwIP never clears it while the socket is open), so
//    every wait reports it again: the loop's handling (a readable channel
//    reads and gets the error -> handle_close/handle_error; a connecting one
//    completes its connect with the error -> handle_error) closes the channel.
//  - lwIP has no POLLHUP: a peer's close is "readable" and recv() gives 0.
//  - lwip_select only reports an exception for a descriptor that is in the
//    exceptset, so every watched descriptor is put there.
//  - lwip_poll fails the whole call (-1, EBADF) at the first invalid
//    descriptor and marks it POLLNVAL; lwip_select fails with EBADF without
//    saying which. Either way the invalid descriptors are reported as
//    pollnval (found by probing them) instead of failing the wait.
//  - Timeouts are passed in whole milliseconds, rounded up.
#ifndef ASYNCORE_SRC_LWIP_POLLERS_HPP
#define ASYNCORE_SRC_LWIP_POLLERS_HPP

#include "../poller.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace asyncore {
namespace detail {
namespace lwip {

/// select_poller.cpp / poll_poller.cpp (each only where lwipopts.h enables
/// its call: LWIP_SOCKET_SELECT, LWIP_SOCKET_POLL).
std::unique_ptr<poller> make_select_poller();
std::unique_ptr<poller> make_poll_poller();

/// Reports every watched slot whose descriptor is not an open lwIP socket as
/// pollnval; true if it found one (backends.cpp).
bool report_invalid(flat_vector<slot>& slots, std::size_t n, flat_vector<ready_event>& out);

}  // namespace lwip
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_LWIP_POLLERS_HPP
