// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the platform interface.
//
// Everything the common code (dispatcher, loop, socket_map, async_chat) needs
// from the operating system or TCP/IP stack is declared here, in neutral
// types. Each of src/posix, src/win32 and src/lwip defines all of it; CMake
// compiles exactly one of them (ASYNCORE_PLATFORM). Common code includes this
// header and never a system socket header, never reads the C library's or
// Winsock's last-error value, and has no platform #ifdef.
//
// Error contract: every function reports failure through `ec`, translated to
// portable conditions (std::errc values in the generic category; a platform
// with its own codes translates them here, not in common code). In
// particular:
//   - would block                  -> std::errc::operation_would_block
//   - non-blocking connect pending -> std::errc::operation_in_progress
//   - interrupted wait             -> std::errc::interrupted (the loop retries)
#ifndef ASYNCORE_SRC_PLATFORM_HPP
#define ASYNCORE_SRC_PLATFORM_HPP

#include <asyncore/address.hpp>
#include <asyncore/loop.hpp>
#include <asyncore/socket.hpp>
#include <asyncore/socket_map.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace asyncore {
namespace detail {

class poller;

namespace platform {

using handle = native_handle_type;

// -- sockets ---------------------------------------------------------------
/// A new socket: non-blocking, not inherited by child processes, and never
/// raising SIGPIPE (where the platform has it).
handle open(family f, socket_type t, std::error_code& ec) noexcept;
/// Called before the first datagram socket is opened (detail::enable_datagrams
/// in <asyncore/socket.hpp>): a platform whose datagram code should be left
/// out of programs that open none is reached only through what this sets
/// (lwIP's raw platform); the others do nothing.
void enable_datagrams() noexcept;
void close(handle h, std::error_code& ec) noexcept;
void bind(handle h, const address& a, std::error_code& ec) noexcept;
void listen(handle h, int backlog, std::error_code& ec) noexcept;
void connect(handle h, const address& a, std::error_code& ec) noexcept;
/// The accepted socket has the same properties as open()'s.
handle accept(handle h, address* peer, std::error_code& ec) noexcept;
std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept;
std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept;
std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept;
std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept;
void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept;
address local_address(handle h, std::error_code& ec);
address peer_address(handle h, std::error_code& ec);
int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept;
void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept;
/// SO_ERROR, read and cleared, translated. A handle that is not a socket
/// (a file_dispatcher's descriptor) has no pending error.
std::error_code pending_error(handle h) noexcept;
/// The platform's "fast restart" for listeners (SO_REUSEADDR on POSIX,
/// SO_EXCLUSIVEADDRUSE on Windows, SO_REUSEADDR under SO_REUSE on lwIP).
void set_reuse_addr(handle h, std::error_code& ec) noexcept;
void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept;
bool blocking(handle h, std::error_code& ec) noexcept;
bool inheritable(handle h, std::error_code& ec) noexcept;
family get_family(handle h, std::error_code& ec) noexcept;
socket_type get_type(handle h, std::error_code& ec) noexcept;
/// A connected stream pair.
void socket_pair(handle out[2], std::error_code& ec) noexcept;
address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec);
/// Resolves without blocking the caller: `done` runs once, from any thread
/// (a worker, lwIP's thread) or inside this call when the answer is known
/// at once (numeric hosts); the caller hands it to the loop.
void resolve_async(std::string host, std::uint16_t port, family f,
                   std::function<void(std::error_code, address)> done) noexcept;

// -- time --------------------------------------------------------------------
/// A monotonic clock in microseconds.
std::int64_t monotonic_us() noexcept;
/// Sleeps about `us` microseconds (us < 0: without limit), resuming after
/// signals. Used when no channel wants any event.
void sleep_us(std::int64_t us) noexcept;

// -- wake-up ---------------------------------------------------------------------
/// A map's wake-up: `watch` is a handle the backends watch for reading, made
/// readable from any thread through `signal_end` (which may be the same
/// handle): an eventfd on Linux, a pipe on other POSIX systems, a UDP socket
/// on 127.0.0.1 connected to itself on Windows and lwIP (no accept step and no
/// end of stream, unlike a TCP pair). Both are non-blocking.
void make_wake(handle& watch, handle& signal_end, std::error_code& ec) noexcept;
/// Makes `watch` readable (from any thread; a full buffer is fine).
void wake_signal(handle signal_end) noexcept;
/// Reads everything signalled so far (the loop's thread).
void wake_drain(handle watch) noexcept;
/// Closes `signal_end` if it is not `watch` (the channel closes `watch`).
void wake_close(handle watch, handle signal_end) noexcept;

// -- texts -------------------------------------------------------------------------
/// The error's text for people (asyncore::error_text): ec.message(), except
/// where the C library cannot describe a std::errc network code (MinGW's
/// strerror says "Unknown error" for ECONNREFUSED, ETIMEDOUT ...).
std::string describe(const std::error_code& ec);

// -- contexts that post -------------------------------------------------------------
/// Entered before the map's spin locks (its posted calls, its resolvers'
/// target) are taken, and left after they are released. Where interrupt
/// handlers may post (lwIP's raw API on a board), it masks interrupts: a
/// handler then never spins on a lock held by the code it interrupted, which
/// on one core would never run again. The token restores what was masked
/// before (so it nests, and works inside a handler). Where only threads post,
/// they preempt each other: nothing to do, and the token is 0.
std::uint32_t mask_interrupts() noexcept;
void restore_interrupts(std::uint32_t token) noexcept;
/// True where interrupt handlers may post: the map then keeps a block of
/// posted calls from the start, so that such a post allocates nothing.
bool posts_from_interrupts() noexcept;

// -- loop ----------------------------------------------------------------------
/// The backend's poller, or null with errc::backend_unavailable.
std::unique_ptr<poller> make_poller(backend b, std::error_code& ec);
bool has_backend(backend b) noexcept;
const capabilities& caps() noexcept;

}  // namespace platform
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_PLATFORM_HPP
