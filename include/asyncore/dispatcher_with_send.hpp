// SPDX-License-Identifier: MIT
/// \file
/// The dispatcher_with_send class (Python's asyncore.dispatcher_with_send).
///
/// A dispatcher that buffers what send() cannot write at once and writes the
/// rest on later write events:
///
///     class client : public asyncore::dispatcher_with_send {
///       void handle_connect() override { send("hello\n"); }
///     };
///
/// Fixes over CPython: the buffer is a queue with a read offset (no quadratic
/// copies), a write event sends until the socket would block (within
/// ASYNCORE_WRITE_BUDGET), and writable() is true only while connecting or
/// holding output (CPython's is also true whenever not connected, which spins).
///
/// Additions (CPython's dispatcher_with_send has neither; both are opt-in):
///  - close_when_done(), a graceful close: stop reading, send what is
///    queued, then close. An echo server's handle_close() at end of stream
///    calls it so a client that half-closes (shutdown(SHUT_WR)) still gets
///    every byte back before the EOF:
///
///         void handle_close() override { close_when_done(); }
///
///  - output water marks, set_output_limits(high, low): while more than
///    `high` bytes are queued the channel stops reading (readable() is
///    false), so a peer that does not read back-pressures the one that
///    writes; reading resumes once the queue is down to `low`. The hooks
///    handle_output_high() and handle_output_low() say when.
///
/// A subclass that overrides readable() keeps both working by and-ing in
/// dispatcher_with_send::readable().
#ifndef ASYNCORE_DISPATCHER_WITH_SEND_HPP
#define ASYNCORE_DISPATCHER_WITH_SEND_HPP

#include <asyncore/dispatcher.hpp>
#include <asyncore/detail/byte_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace asyncore {

/// Python's asyncore.dispatcher_with_send: a dispatcher whose send(data)
/// queues what the socket does not take at once and sends it on later write
/// events. Adds close_when_done() and output water marks (both opt-in); see
/// dispatcher_with_send.hpp.
class ASYNCORE_API dispatcher_with_send : public dispatcher {
 public:
  /// The dispatcher's constructors.
  using dispatcher::dispatcher;
  /// The dispatcher's own send overloads (`send(p, n, ec)`, `send(view, ec)`:
  /// straight to the socket, nothing queued) stay visible beside these.
  using dispatcher::send;

  /// Appends to the output buffer and tries to send at once (Python's
  /// behaviour). With nothing queued and the channel connected, it sends
  /// straight from `data` and queues only what the socket did not take.
  /// After close_when_done() the bytes are still sent before the close.
  void send(std::string_view data);
  /// send(std::string_view(data, n)).
  void send(const void* data, std::size_t n) {
    send(std::string_view(static_cast<const char*>(data), n));
  }
  /// Sends from the buffer until the socket would block.
  void initiate_send();

  /// A graceful close (Python has none for this class; async_chat's
  /// close_when_done() is the model): stops reading at once (readable() is
  /// false from now on), sends what is queued, then ends the connection
  /// without losing a byte: it sends the end of stream (shutdown of the
  /// sending side), reads and discards what the peer still sends, without
  /// calling handle_read, until the peer's end of stream, then calls close().
  /// Closing with unread input instead makes TCP send a reset, which on
  /// Windows and lwIP throws away what the peer had not read yet. The wait
  /// for the peer is bounded by close_linger() (default 2 s); an echo
  /// server that calls close_when_done() from handle_close() (the peer's
  /// end of stream) closes as soon as its output is sent. It ends with
  /// close(), not handle_close() as async_chat's does, because the usual
  /// caller is handle_close() itself. A send error while draining drops the
  /// unsent rest (it can no longer be delivered), is reported as usual (a
  /// disconnect to handle_close, where calling close_when_done() again
  /// closes at once), and the channel closes after the report if the hook
  /// did not close it. Bytes passed to send() after the output is drained
  /// are dropped (the end of stream is sent). close() still closes at once,
  /// dropping the rest.
  void close_when_done();
  /// How long a graceful close waits for the peer's end of stream after its
  /// output is sent, in seconds. 0: close as soon as the output is sent
  /// (unread input then makes the close a reset). Default 2.
  void set_close_linger(double seconds) noexcept { linger_ = seconds; }
  /// The bound set by set_close_linger(), in seconds.
  double close_linger() const noexcept { return linger_; }
  /// True once close_when_done() was called, until the channel closes.
  bool closing() const noexcept;

  /// Output water marks (default off, as Python: the buffer is unbounded).
  /// When more than `high` bytes are queued, reading stops (readable() is
  /// false) and handle_output_high() is called, once; when the queue is
  /// down to `low` bytes or fewer, reading resumes and handle_output_low()
  /// is called. An echo then holds at most `high` plus one read's worth.
  /// `high` 0 turns the limits off (resuming reading); `low` above `high`
  /// counts as `high`. The new limits apply at once (the hooks may run
  /// inside this call). The hooks run after the buffer is settled, before
  /// a send error is reported, and may send, close or change the limits.
  void set_output_limits(std::size_t high, std::size_t low);
  /// The high water mark in bytes (0: limits off).
  std::size_t output_high() const noexcept { return high_; }
  /// The low water mark in bytes.
  std::size_t output_low() const noexcept { return low_; }
  /// True between handle_output_high() and handle_output_low().
  bool output_paused() const noexcept { return paused_; }
  /// The queue passed the high water mark (reading has stopped). Default:
  /// nothing.
  virtual void handle_output_high();
  /// The queue is down to the low water mark (reading resumes). Default:
  /// nothing.
  virtual void handle_output_low();

  /// True unless close_when_done() was called or the output is over its
  /// high water mark (Python: always true); true again while a graceful
  /// close waits for the peer's end of stream.
  bool readable() override;
  /// While a graceful close waits for the peer's end of stream: discards
  /// input and closes at the end of stream. Otherwise the dispatcher's.
  void handle_read_event() override;
  /// True while connecting or holding output (CPython's is also true
  /// whenever not connected).
  bool writable() override;
  /// initiate_send().
  void handle_write() override;
  std::string_view type_name() const override { return "asyncore::dispatcher_with_send"; }

  /// Bytes waiting to be sent (Python: len(self.out_buffer)).
  std::size_t out_buffer_size() const noexcept { return out_buffer_.size(); }

 private:
  // After the buffer changed: pauses or resumes reading per the water
  // marks, calling the hook (user code: the buffer is settled first).
  void check_marks();
  // After a send: the water marks, a finished graceful close, then `err`.
  void after_send(const std::error_code& err);
  // The graceful close's output is sent: end of stream, then linger.
  void finish_close();
  // Lingering: reads and drops input; closes at the peer's end of stream.
  void discard_input();
  bool lingering() const noexcept { return lingering_ && closing(); }

  detail::byte_queue out_buffer_;
  std::size_t high_ = 0;
  std::size_t low_ = 0;
  std::uint32_t closing_at_ = 0;  // the close count when close_when_done() was called
  bool closing_ = false;          // (a close() since ends it: see closing())
  bool lingering_ = false;        // the output is sent; waiting for the peer's end of stream
  bool paused_ = false;
  double linger_ = 2.0;
  timer linger_timer_;
};

}  // namespace asyncore

#endif  // ASYNCORE_DISPATCHER_WITH_SEND_HPP
