// asyncore for C++: dispatcher_with_send (Python A:511-532), without the
// quadratic buffer copies and with a send loop bounded by a fairness budget.
#include <asyncore/dispatcher_with_send.hpp>

#include <algorithm>
#include <cstdio>

namespace asyncore {

void dispatcher_with_send::send(std::string_view data) {
  if (debug) {
    char head[64];
    std::snprintf(head, sizeof head, "sending %zu bytes", data.size());
    log_info(head);
  }
  out_buffer_.append(data.data(), data.size());
  interest_changed();  // writable() may have changed (also when called from another channel)
  // Python sends at once whatever the state; before the connect completes
  // that fails (EPIPE on Linux, closing the channel), so wait for it.
  if (connected) initiate_send();
}

void dispatcher_with_send::initiate_send() {
  constexpr std::size_t chunk_max = 65536;  // Python's slice size (A:519)
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  while (!out_buffer_.empty() && budget > 0) {
    const std::uint32_t c0 = close_count();
    std::size_t chunk = std::min({out_buffer_.size(), chunk_max, budget});
    std::error_code ec;
    std::size_t n = dispatcher::send(out_buffer_.data(), chunk, ec);
    if (ec) {
      handle_error(error_cause{ec, nullptr, "send: " + ec.message()});
      return;
    }
    if (close_count() != c0) return;  // handle_close ran inside send
    if (n == 0) return;               // would block
    out_buffer_.consume(n);
    budget -= n;
    if (n < chunk) return;  // the socket buffer is full: the next send would block
  }
}

bool dispatcher_with_send::writable() { return connecting || !out_buffer_.empty(); }

void dispatcher_with_send::handle_write() { initiate_send(); }

}  // namespace asyncore
