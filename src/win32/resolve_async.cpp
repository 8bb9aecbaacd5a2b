// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): platform::resolve_async on the system thread
// pool. Each request is a work item (TrySubmitThreadpoolCallback, Vista and
// later) that runs platform::resolve (getaddrinfo blocks) and then `done`.
//
// Why not a std::thread per request, as on POSIX: the pool is what Windows
// offers for short blocking work, it reuses its threads, and under Wine a
// MinGW std::thread (winpthreads) made just after the previous worker had
// ended sometimes never ran: its constructor returned, no such thread was
// in the process, and the request waited out its 30 s timeout (about one
// run in ten of Resolve.test_resolve_numeric_and_localhost under load).
#include "platform.hpp"
#include "winsock.hpp"

#include <new>
#include <utility>

namespace asyncore {
namespace detail {
namespace platform {

namespace {

struct resolve_work {
  std::string host;
  std::uint16_t port;
  family f;
  std::function<void(std::error_code, address)> done;
};

void CALLBACK run_resolve(PTP_CALLBACK_INSTANCE, void* context) {
  resolve_work* w = static_cast<resolve_work*>(context);
  std::error_code ec;
  address a = resolve(w->host, w->port, w->f, ec);
  std::function<void(std::error_code, address)> done = std::move(w->done);
  delete w;
  done(ec, a);
}

}  // namespace

void resolve_async(std::string host, std::uint16_t port, family f,
                   std::function<void(std::error_code, address)> done) noexcept {
  resolve_work* w = new (std::nothrow) resolve_work{std::move(host), port, f, {}};
  if (!w) {
    done(std::make_error_code(std::errc::not_enough_memory), address());
    return;
  }
  w->done = std::move(done);
  if (!::TrySubmitThreadpoolCallback(&run_resolve, w, nullptr)) {
    const DWORD err = ::GetLastError();
    done = std::move(w->done);
    delete w;
    done(err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_OUTOFMEMORY
             ? std::make_error_code(std::errc::not_enough_memory)
             : std::make_error_code(std::errc::resource_unavailable_try_again),
         address());
  }
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
