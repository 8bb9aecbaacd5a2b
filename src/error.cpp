// SPDX-License-Identifier: MIT
// asyncore for C++: the library's error category and the one place that throws.
#include <asyncore/error.hpp>

#include "core.hpp"
#include "platform.hpp"

#include <system_error>

namespace asyncore {
namespace {

class category : public std::error_category {
 public:
  const char* name() const noexcept override { return "asyncore"; }
  std::string message(int ev) const override {
#if ASYNCORE_SMALL
    // The size-first configuration: the number, not a table of texts
    // (include/asyncore/errc in error.hpp says what each one means).
    char text[] = "asyncore error ?";
    if (ev >= 1 && ev <= 9) text[sizeof text - 2] = static_cast<char>('0' + ev);
    return text;
#else
    switch (static_cast<errc>(ev)) {
      case errc::descriptor_out_of_range:
        return "descriptor out of range for select() (>= FD_SETSIZE); use the poll backend";
      case errc::record_too_long:
        return "record too long: the peer exceeded the channel's max_record_size";
      case errc::backend_unavailable:
        return "this loop backend is not available on this platform";
      case errc::invalid_address:
        return "invalid address";
      case errc::no_socket:
        return "the channel has no socket";
      case errc::descriptors_exhausted:
        return "no socket descriptors left";
      case errc::host_not_found:
        return "host not found";
    }
    return "unknown asyncore error";
#endif
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category c;
  return c;
}

bool detail::is_any_of(const std::error_code& ec, const std::errc* list, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (ec == list[i]) return true;
  return false;
}

std::string error_text(const std::error_code& ec) { return detail::platform::describe(ec); }

bool is_disconnect(const std::error_code& ec) noexcept {
  // Python's _DISCONNECTED: ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNABORTED,
  // EPIPE, EBADF. std::errc has no ESHUTDOWN; platforms translate it to
  // broken_pipe (sending after shutdown is EPIPE on POSIX too).
  static constexpr std::errc disconnected[] = {std::errc::connection_reset, std::errc::not_connected,
                                               std::errc::connection_aborted, std::errc::broken_pipe,
                                               std::errc::bad_file_descriptor};
  return detail::is_any_of(ec, disconnected);
}

#if ASYNCORE_HAS_EXCEPTIONS
namespace detail {
void throw_error(const std::error_code& ec, const char* what) { throw std::system_error(ec, what); }
}  // namespace detail
#endif

}  // namespace asyncore
