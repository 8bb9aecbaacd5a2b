// SPDX-License-Identifier: MIT
/// \file
/// Name resolution that never blocks the loop.
///
///     asyncore::resolve("example.org", 80, [](const std::error_code& ec, const asyncore::address& a) {
///       if (!ec) std::printf("%s\n", a.to_string().c_str());
///     }, &map);
///
///     client.connect("localhost", 8007);   // dispatcher::connect by name, built on it
///
/// On POSIX and Windows a worker thread runs the system resolver
/// (getaddrinfo) and hands the result back with call_soon_threadsafe; on lwIP
/// numeric hosts and "localhost" resolve at once and names go to lwIP's DNS
/// where it is built in, from lwIP's own thread. The callback runs
/// once, in the loop of `map` (its thread), never inside resolve(): with the
/// first address found (its port set), or with errc::host_not_found (an
/// unknown name), std::errc::timed_out (no answer within `timeout` seconds),
/// or another resolver error. Python's asyncore has no such call (its users
/// call socket.getaddrinfo, which blocks); asyncio's is loop.getaddrinfo.
///
/// A map destroyed while a resolution is under way drops its answer (the
/// callback does not run); the worker thread ends on its own.
#ifndef ASYNCORE_RESOLVE_HPP
#define ASYNCORE_RESOLVE_HPP

#include <asyncore/address.hpp>
#include <asyncore/config.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

namespace asyncore {

class socket_map;

/// What resolve() calls with its answer: no error and the address, or the
/// error and an empty address.
using resolve_callback = std::function<void(const std::error_code& ec, const address& a)>;

/// Resolves `host` without blocking the loop and calls `done` once, later,
/// in the loop of `map` (null: default_map()), as described in resolve.hpp.
/// `port` is set in the address given to `done` (host order); `f` limits
/// the family (family::unspec: the first address of any family); `timeout`
/// is in seconds (a negative one means the default, 30). A pending
/// resolution keeps loop() running, as a timer does. What `done` throws goes
/// to the map's callback error handler (socket_map::set_callback_error_handler()).
ASYNCORE_API void resolve(std::string_view host, std::uint16_t port, resolve_callback done,
                          socket_map* map = nullptr, family f = family::unspec, double timeout = 30.0);

}  // namespace asyncore

#endif  // ASYNCORE_RESOLVE_HPP
