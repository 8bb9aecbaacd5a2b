// asyncore for C++: dispatcher_with_send (Python's asyncore.dispatcher_with_send).
//
// A dispatcher that buffers what send() cannot write at once and writes the
// rest on later write events:
//
//     class client : public asyncore::dispatcher_with_send {
//       void handle_connect() override { send("hello\n"); }
//     };
//
// Fixes over CPython: the buffer is a queue with a read offset (no quadratic
// copies), a write event sends until the socket would block (within
// ASYNCORE_WRITE_BUDGET), and writable() is true only while connecting or
// holding output (CPython's is also true whenever not connected, which spins).
#ifndef ASYNCORE_DISPATCHER_WITH_SEND_HPP
#define ASYNCORE_DISPATCHER_WITH_SEND_HPP

#include <asyncore/dispatcher.hpp>
#include <asyncore/detail/byte_queue.hpp>

#include <cstddef>
#include <string_view>

namespace asyncore {

class ASYNCORE_API dispatcher_with_send : public dispatcher {
 public:
  using dispatcher::dispatcher;
  /// The dispatcher's own send overloads (`send(p, n, ec)`, `send(view, ec)`:
  /// straight to the socket, nothing queued) stay visible beside these.
  using dispatcher::send;

  /// Appends to the output buffer and tries to send at once (Python's
  /// behaviour). With nothing queued and the channel connected, it sends
  /// straight from `data` and queues only what the socket did not take.
  void send(std::string_view data);
  void send(const void* data, std::size_t n) {
    send(std::string_view(static_cast<const char*>(data), n));
  }
  /// Sends from the buffer until the socket would block.
  void initiate_send();

  bool writable() override;
  void handle_write() override;
  std::string_view type_name() const override { return "asyncore::dispatcher_with_send"; }

  /// Bytes waiting to be sent (Python: len(self.out_buffer)).
  std::size_t out_buffer_size() const noexcept { return out_buffer_.size(); }

 private:
  detail::byte_queue out_buffer_;
};

}  // namespace asyncore

#endif  // ASYNCORE_DISPATCHER_WITH_SEND_HPP
