// SPDX-License-Identifier: MIT
/// \file
/// The umbrella header for Python's asyncore.
///
///     #include <asyncore/asyncore.hpp>   // dispatcher, loop, socket_map ...
///     #include <asyncore/asynchat.hpp>   // async_chat, producers
///
/// file_dispatcher.hpp is separate: it exists on POSIX only.
#ifndef ASYNCORE_ASYNCORE_HPP
#define ASYNCORE_ASYNCORE_HPP

#include <asyncore/address.hpp>
#include <asyncore/config.hpp>
#include <asyncore/dispatcher.hpp>
#include <asyncore/dispatcher_with_send.hpp>
#include <asyncore/error.hpp>
#include <asyncore/log.hpp>
#include <asyncore/loop.hpp>
#include <asyncore/resolve.hpp>
#include <asyncore/socket.hpp>
#include <asyncore/socket_map.hpp>
#include <asyncore/timer.hpp>

/// \namespace asyncore
/// Everything the library offers: Python's asyncore and asynchat names
/// (dispatcher, loop, socket_map, async_chat, producers ...) and the
/// additions (timers, name resolution, the portable socket and address).
/// Names in asyncore::detail are the library's own and may change.

#endif  // ASYNCORE_ASYNCORE_HPP
