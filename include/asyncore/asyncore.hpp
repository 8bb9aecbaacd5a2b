// SPDX-License-Identifier: MIT
// asyncore for C++: the umbrella header for Python's asyncore.
//
//     #include <asyncore/asyncore.hpp>   // dispatcher, loop, socket_map ...
//     #include <asyncore/asynchat.hpp>   // async_chat, producers
//
// file_dispatcher.hpp is separate: it exists on POSIX only.
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

#endif  // ASYNCORE_ASYNCORE_HPP
