// SPDX-License-Identifier: MIT
// asyncore for C++ (POSIX): platform::resolve_async. One short-lived worker
// thread per request runs platform::resolve (getaddrinfo blocks). Windows
// has its own (src/win32/resolve_async.cpp: the system thread pool).
#include "platform.hpp"

#include <thread>
#include <utility>

namespace asyncore {
namespace detail {
namespace platform {

void resolve_async(std::string host, std::uint16_t port, family f,
                   std::function<void(std::error_code, address)> done) noexcept {
#if ASYNCORE_HAS_EXCEPTIONS
  try {
#endif
    std::thread([host = std::move(host), port, f, done]() mutable {
      std::error_code ec;
      address a = resolve(host, port, f, ec);
      done(ec, a);
    }).detach();
#if ASYNCORE_HAS_EXCEPTIONS
  } catch (const std::system_error& e) {  // no thread could be started
    done(e.code(), address());
  } catch (...) {
    done(std::make_error_code(std::errc::not_enough_memory), address());
  }
#endif
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
