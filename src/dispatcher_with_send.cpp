// asyncore for C++: dispatcher_with_send (Python A:511-532), without the
// quadratic buffer copies and with a send loop bounded by a fairness budget.
//
// The lifetime rule (src/core.hpp): the send loop calls no hook; the buffer
// is settled (what went out consumed) before an error is reported.
#include <asyncore/dispatcher_with_send.hpp>

#include "core.hpp"

#include <algorithm>
#include <cstdio>

namespace asyncore {

namespace {
constexpr std::size_t chunk_max = 65536;  // Python's slice size (A:519)

ASYNCORE_NOINLINE void log_sending(dispatcher& d, std::size_t n) {
  char head[64];
  std::snprintf(head, sizeof head, "sending %zu bytes", n);
  d.log_info(head);
}
}  // namespace

void dispatcher_with_send::send(std::string_view data) {
  if (debug) log_sending(*this, data.size());
  // Python appends to out_buffer and calls initiate_send(). With nothing
  // queued that is the same as sending straight from the caller's bytes and
  // queueing only what the socket did not take, which spares a copy per
  // message. Python sends at once whatever the state; before the connect
  // completes that fails (EPIPE on Linux, closing the channel), so wait.
  const bool direct = connected && out_buffer_.empty();
  std::error_code err;
  if (direct) {
    std::size_t budget = ASYNCORE_WRITE_BUDGET;
    data.remove_prefix(detail::core::transmit(*this, data.data(), data.size(), chunk_max, budget, err));
    if (data.empty() && !err) return;  // all sent: writable() is unchanged
  }
  out_buffer_.append(data.data(), data.size());
  interest_changed();  // writable() may have changed (also when called from another channel)
  if (err) {
    detail::core::deliver_error(*this, err, "send");
  } else if (connected && !direct) {
    initiate_send();
  }
}

void dispatcher_with_send::initiate_send() {
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  std::error_code err;
  while (!out_buffer_.empty() && budget > 0) {
    const std::size_t len = std::min(out_buffer_.size(), chunk_max);
    const std::size_t n = detail::core::transmit(*this, out_buffer_.data(), len, chunk_max, budget, err);
    out_buffer_.consume(n);
    if (err || n < len) break;  // an error, would block, or the budget is spent
  }
  if (err) detail::core::deliver_error(*this, err, "send");
}

bool dispatcher_with_send::writable() { return connecting || !out_buffer_.empty(); }

void dispatcher_with_send::handle_write() { initiate_send(); }

}  // namespace asyncore
