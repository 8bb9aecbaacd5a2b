// SPDX-License-Identifier: MIT
// Fault injection for the conformance suite, in portable terms.
//
// Each platform layer makes its network and wait calls through a seam that
// test builds can replace (src/posix/syscalls.hpp, src/win32/syscalls.hpp,
// src/lwip/syscalls.hpp). This interface says "fail the Nth call of
// operation OP with error E" with OP one of the operations below and E a
// portable std::errc; tests/<platform>/fault_injection.cpp maps both onto
// that platform's calls and error numbers, and tests/fault_injection.cpp
// keeps the rules. tests/fault_injection_test.cpp is the table-driven suite.
//
// How an injected failure behaves (what a real one does):
//   open, accept, send, recv, wait, ctl, wake: the system call is not made.
//   connect with interrupted / operation_in_progress: the real connect is
//     made and then reported interrupted (POSIX: it goes on in the
//     background); with another error it is not made.
//   close: the real close is made, then the error is reported (Linux closes
//     the descriptor whatever close(2) says).
//   connect_result: the SO_ERROR read answers the error (the connect's
//     asynchronous result).
//   wake: the write that signals the map's wake-up handle (Windows and lwIP:
//     the send on its UDP socket).
// Calls on datagram sockets (the wake-up socket of Windows and lwIP) never
// count as send or recv.
#ifndef ASYNCORE_TESTS_FAULT_INJECTION_HPP
#define ASYNCORE_TESTS_FAULT_INJECTION_HPP

#include <asyncore/socket.hpp>

#include <cstddef>
#include <cstdint>
#include <system_error>

namespace fault {

/// The operations faults can be injected into.
enum class op : std::uint8_t { open, connect, accept, send, recv, close, wait, ctl, wake, connect_result };
/// How many operations there are.
constexpr int op_count = 10;
/// The operation's name ("send").
const char* name(op o) noexcept;

/// Any handle (the filter of fail() and limit_send()).
constexpr asyncore::native_handle_type any = asyncore::invalid_handle;

/// The next `count` calls of `o` (on handle `only`, or any) after the next
/// `skip` ones fail with `e`. Replaces the operation's previous rule.
void fail(op o, std::errc e, int count = 1, int skip = 0, asyncore::native_handle_type only = any);
/// The next `count` sends (on handle `only`) pass at most `max` bytes on.
void limit_send(std::size_t max, int count, asyncore::native_handle_type only = any);
/// The next call of `o` (from any thread) blocks until release(): a system
/// call that takes its time (a slow wake-up signal). The call is then made.
/// Replaces an earlier hold; a test releases before its map goes away.
void hold(op o);
/// Lets a held call go on (clear() and install() do too).
void release() noexcept;
/// True once the held call has started waiting.
bool holding() noexcept;
/// Calls of `o` seen since install() (every handle), and failures injected.
int calls(op o) noexcept;
int injected(op o) noexcept;
/// Failures of `o` still to inject.
int pending(op o) noexcept;
/// Drops every rule (the seam stays installed).
void clear() noexcept;

/// Why this platform cannot inject `e` into `o` (a reason for GTEST_SKIP),
/// or nullptr when it can.
const char* cannot(op o, std::errc e) noexcept;
/// The portable error the platform layer is documented to report for `e`
/// injected into `o` (usually `e`; lwIP reports a reset connect as refused
/// and EMFILE/ENFILE as asyncore::errc::descriptors_exhausted).
std::error_code reported(op o, std::errc e) noexcept;

/// Installs the seam's hooks (counters reset) / restores the real calls.
void install() noexcept;
void uninstall() noexcept;

/// install() for a scope.
struct scope {
  scope() noexcept { install(); }
  ~scope() { uninstall(); }
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;
};

// -- for the platform files -----------------------------------------------------
namespace engine {
/// Counts a call of `o` on `h`; true (and `e` set) when it is to fail.
bool take(op o, asyncore::native_handle_type h, std::errc& e) noexcept;
/// How many of `n` bytes a send on `h` may pass on.
std::size_t send_cap(asyncore::native_handle_type h, std::size_t n) noexcept;
/// Resets counters and rules (install()).
void reset() noexcept;
}  // namespace engine

}  // namespace fault

#endif
