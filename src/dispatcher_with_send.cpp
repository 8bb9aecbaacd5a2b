// asyncore for C++: dispatcher_with_send (Python A:511-532), without the
// quadratic buffer copies and with a send loop bounded by a fairness budget.
#include <asyncore/dispatcher_with_send.hpp>

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
  if (direct) {
    std::size_t budget = ASYNCORE_WRITE_BUDGET;
    send_from(data, budget);
    if (data.empty()) return;  // all sent: writable() is unchanged
  }
  out_buffer_.append(data.data(), data.size());
  interest_changed();  // writable() may have changed (also when called from another channel)
  if (connected && !direct) initiate_send();
}

bool dispatcher_with_send::send_from(std::string_view& data, std::size_t& budget) {
  while (!data.empty() && budget > 0) {
    const std::uint32_t c0 = close_count();
    const std::size_t chunk = std::min({data.size(), chunk_max, budget});
    std::error_code ec;
    const std::size_t n = dispatcher::send(data.data(), chunk, ec);
    if (ec) {
      handle_error(error_cause{ec, nullptr, "send: " + ec.message()});
      return false;
    }
    if (close_count() != c0) return false;  // handle_close ran inside send
    data.remove_prefix(n);
    budget -= n;
    if (n < chunk) return true;  // would block, or the socket buffer is full
  }
  return true;
}

void dispatcher_with_send::initiate_send() {
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  while (!out_buffer_.empty() && budget > 0) {
    std::string_view front(out_buffer_.data(), std::min(out_buffer_.size(), chunk_max));
    const std::size_t before = front.size();
    const bool go_on = send_from(front, budget);
    // The handlers run by send_from (handle_error, handle_close) may have
    // queued or cleared output: consume only what was sent, if still there.
    out_buffer_.consume(std::min(before - front.size(), out_buffer_.size()));
    if (!go_on || !front.empty()) return;
  }
}

bool dispatcher_with_send::writable() { return connecting || !out_buffer_.empty(); }

void dispatcher_with_send::handle_write() { initiate_send(); }

}  // namespace asyncore
