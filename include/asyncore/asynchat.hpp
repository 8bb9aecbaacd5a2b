// SPDX-License-Identifier: MIT
/// \file
/// The asynchat umbrella header (Python's `import asynchat`).
///
///     #include <asyncore/asynchat.hpp>
///
/// async_chat (asyncore/async_chat.hpp): a dispatcher that frames its input by
/// a terminator (delimiter bytes, a byte count, or none) and sends from a FIFO
/// of data and producers; producer and simple_producer (asyncore/producer.hpp);
/// find_prefix_at_end. The names live in namespace asyncore, beside the
/// dispatcher they build on.
#ifndef ASYNCORE_ASYNCHAT_HPP
#define ASYNCORE_ASYNCHAT_HPP

#include <asyncore/async_chat.hpp>
#include <asyncore/producer.hpp>

#endif  // ASYNCORE_ASYNCHAT_HPP
