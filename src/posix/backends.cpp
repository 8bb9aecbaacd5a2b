// asyncore for C++ (POSIX): which backends this platform has.
#include "../platform.hpp"
#include "../poller.hpp"

namespace asyncore {
namespace detail {
namespace posix {
std::unique_ptr<poller> make_select_poller();
std::unique_ptr<poller> make_poll_poller();
std::unique_ptr<poller> make_epoll_poller(std::error_code& ec);  // epoll_poller.cpp (Linux) or no_epoll.cpp
bool have_epoll() noexcept;
}  // namespace posix

namespace platform {

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  switch (b) {
    case backend::select:
      return posix::make_select_poller();
    case backend::poll:
      return posix::make_poll_poller();
    case backend::epoll:
      if (posix::have_epoll()) return posix::make_epoll_poller(ec);
      break;
  }
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept { return b != backend::epoll || posix::have_epoll(); }

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
