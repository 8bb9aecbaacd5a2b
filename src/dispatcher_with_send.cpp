// SPDX-License-Identifier: MIT
// asyncore for C++: dispatcher_with_send (Python A:511-532), without the
// quadratic buffer copies and with a send loop bounded by a fairness budget;
// plus a graceful close and output water marks (not in Python).
//
// The lifetime rule (src/core.hpp): the send loop calls no hook; the buffer
// is settled (what went out consumed) before a water-mark hook runs, and a
// send error is reported last.
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
  if (lingering()) return;  // the end of stream went out: nothing can follow it
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
    data.remove_prefix(detail::core::transmit_direct(*this, data.data(), data.size(), chunk_max, budget, err));
    if (data.empty() && !err) return;  // all sent: writable() is unchanged
  }
  out_buffer_.append(data.data(), data.size());
  interest_changed();  // writable() may have changed (also when called from another channel)
  if (err) {
    after_send(err);
  } else if (connected && !direct) {
    initiate_send();
  } else {
    check_marks();
  }
}

void dispatcher_with_send::initiate_send() {
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  std::error_code err;
  const bool had_output = !out_buffer_.empty();
  while (!out_buffer_.empty() && budget > 0) {
    const std::size_t len = std::min(out_buffer_.size(), chunk_max);
    const std::size_t n = detail::core::transmit(*this, out_buffer_.data(), len, chunk_max, budget, err);
    out_buffer_.consume(n);
    if (err || n < len) break;  // an error, would block, or the budget is spent
  }
  if (had_output && out_buffer_.empty()) interest_changed();  // writable() is now false
  after_send(err);
}

void dispatcher_with_send::after_send(const std::error_code& err) {
  // Settled: the buffer holds exactly what is still to go. A graceful close
  // cannot deliver the rest after a send error: it is dropped, and the
  // channel closes after the report (unless the report closed it).
  if (err && closing() && !out_buffer_.empty()) {
    out_buffer_.clear();
    interest_changed();  // writable() is now false
  }
  const detail::open_watch watch(*this);
  check_marks();
  if (watch.closed()) return;
  if (err) {
    detail::core::deliver_error(*this, err, "send");
    if (watch.closed()) return;
  }
  if (closing() && out_buffer_.empty() && !lingering()) finish_close();
}

void dispatcher_with_send::close_when_done() {
  if (!closing()) {
    closing_ = true;
    lingering_ = false;
    closing_at_ = detail::core::closes(*this);
    interest_changed();  // readable() is now false
  } else if (lingering()) {
    close();  // asked again (from a hook): at once
    return;
  }
  if (out_buffer_.empty()) finish_close();
}

void dispatcher_with_send::finish_close() {
  // The end of stream first; not connected (never was, or a send error
  // ended it), no linger, or a failed shutdown: close now.
  std::error_code ec;
  if (linger_ > 0 && connected) detail::core::stream_shutdown(*this, ec);
  if (linger_ <= 0 || !connected || ec) {
    close();
    return;
  }
  lingering_ = true;
  interest_changed();  // readable() is true again: the peer's end of stream is awaited
  linger_timer_ = call_later(linger_, [this] { close(); });  // close() cancels it
  discard_input();  // the peer may have ended already (an echo server's usual case)
}

void dispatcher_with_send::discard_input() {
  // The stream's own recv (through TLS when the channel has it): the
  // dispatcher's would call handle_close at the end of stream. Bounded per
  // event, as every read is.
  char buf[1024];
  for (int i = 0; i < 64; ++i) {
    std::error_code ec;
    const std::size_t n = detail::core::stream_recv(*this, buf, sizeof buf, ec);
    if (ec == std::errc::operation_would_block) return;
    if (ec || n == 0) {  // the end of stream, or the peer went away: done
      close();
      return;
    }
  }
}

void dispatcher_with_send::handle_read_event() {
  if (lingering()) {
    discard_input();
    return;
  }
  if (detail::fast_paths && connected && !accepting) {
    handle_read();  // the per-message case of dispatcher::handle_read_event, without its call
    return;
  }
  dispatcher::handle_read_event();
}

bool dispatcher_with_send::closing() const noexcept {
  return closing_ && detail::core::closes(*this) == closing_at_;
}

void dispatcher_with_send::set_output_limits(std::size_t high, std::size_t low) {
  high_ = high;
  low_ = std::min(low, high);
  check_marks();
}

void dispatcher_with_send::check_marks() {
  // One transition per call; a hook that moves the queue again (send, or a
  // nested initiate_send) makes its own call.
  if (!paused_) {
    if (high_ == 0 || out_buffer_.size() <= high_) return;
    paused_ = true;
    interest_changed();  // readable() is now false
    handle_output_high();
  } else if (high_ == 0 || out_buffer_.size() <= low_) {
    paused_ = false;
    interest_changed();  // readable() may be true again
    handle_output_low();
  }
}

void dispatcher_with_send::handle_output_high() {}

void dispatcher_with_send::handle_output_low() {}

bool dispatcher_with_send::readable() { return lingering() || (!paused_ && !closing()); }

bool dispatcher_with_send::writable() { return connecting || !out_buffer_.empty(); }

void dispatcher_with_send::handle_write() { initiate_send(); }

}  // namespace asyncore
