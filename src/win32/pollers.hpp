// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, Windows): the two loop backends.
//
// make_poller(backend::select) and make_poller(backend::poll) return these;
// the factories are declared here so that tests/win32 can also build a
// WSAPoll backend in the mode that behaves like Windows before 10 2004.
#ifndef ASYNCORE_SRC_WIN32_POLLERS_HPP
#define ASYNCORE_SRC_WIN32_POLLERS_HPP

#include "poller.hpp"

#include <memory>

namespace asyncore {
namespace detail {
namespace win32 {

/// How the WSAPoll backend guards against WSAPoll not reporting a failed
/// connect (Windows before 10 version 2004, build 19041).
enum class wsapoll_mode {
  /// Decided from the running Windows build (RtlGetVersion): the bounded
  /// wait below only on builds older than 19041.
  automatic,
  /// Always bound each WSAPoll call while a socket waits to become writable,
  /// and probe such sockets with select's except set after every call.
  sliced,
  /// For tests: `sliced`, and also hide the failed-connect report that this
  /// WSAPoll gives (as old Windows never gives it), so that only the
  /// workaround can detect the failure.
  simulate_pre2004,
};

std::unique_ptr<poller> make_select_poller();
std::unique_ptr<poller> make_wsapoll_poller(wsapoll_mode mode = wsapoll_mode::automatic);

/// True when this Windows build's WSAPoll reports a failed connect
/// (10.0.19041 or later).
bool wsapoll_reports_failed_connect() noexcept;

}  // namespace win32
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_WIN32_POLLERS_HPP
