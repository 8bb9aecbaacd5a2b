// SPDX-License-Identifier: MIT
/// \file
/// Producers, the lazy data sources of async_chat's output
/// queue (Python's producer protocol and asynchat.simple_producer).
///
/// A producer hands out its bytes one piece at a time. async_chat asks for the
/// next piece only when everything before it in the output queue has been
/// sent, so a producer can generate a large reply (a file, a listing) without
/// holding it all in memory:
///
///     class counter : public asyncore::producer {
///      public:
///       std::string_view more() override {
///         if (i_ == 3) return {};               // exhausted: the queue drops it
///         line_ = std::to_string(i_++) + "\n";  // valid until the next call
///         return line_;
///       }
///      private:
///       int i_ = 0;
///       std::string line_;
///     };
///     chat.push_with_producer(std::make_unique<counter>());
///
/// The contract of more():
///  - it returns the next bytes; an empty view means "exhausted" and the
///    producer is destroyed (Python: more() returns b'');
///  - the bytes must stay valid and unchanged until the next call of more()
///    or the producer's destruction: async_chat sends straight from them,
///    possibly over several write events, without copying;
///  - it is called from inside async_chat::initiate_send (a push, or a write
///    event), on the loop's thread. It may push to its channel (the data goes
///    behind everything queued) but must not call discard_buffers() on it,
///    which would destroy the producer during its own call.
///
/// See also: async_chat::push_with_producer, simple_producer.
#ifndef ASYNCORE_PRODUCER_HPP
#define ASYNCORE_PRODUCER_HPP

#include <asyncore/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace asyncore {

/// The producer interface (Python: any object with a more() method).
class ASYNCORE_API producer {
 public:
  /// Producers are destroyed by the queue that owns them: when exhausted,
  /// discarded (async_chat::discard_buffers()) or when the channel is freed.
  virtual ~producer();
  /// The next bytes, or an empty view when exhausted. The view stays valid
  /// until the next call or the producer's destruction.
  virtual std::string_view more() = 0;

 protected:
  /// For subclasses.
  producer() = default;
  /// Subclasses may be copyable.
  producer(const producer&) = default;
  /// Subclasses may be copyable.
  producer& operator=(const producer&) = default;
};

/// Python's asynchat.simple_producer(data, buffer_size=512): hands out a
/// byte string in pieces of at most `buffer_size` bytes.
///
/// Unlike CPython, which re-slices (copies) the remainder on every call, the
/// data is copied (or moved) once and more() returns views at an advancing
/// offset, so producing n bytes costs O(n). A buffer_size of 0 hands out the
/// whole remainder at once.
///
///     chat.push_with_producer(std::make_unique<asyncore::simple_producer>(reply, 8));
class ASYNCORE_API simple_producer : public producer {
 public:
  /// Copies `data`; more() hands it out `buffer_size` bytes at a time
  /// (0: all at once).
  explicit simple_producer(std::string_view data, std::size_t buffer_size = 512)
      : data_(data), buffer_size_(buffer_size) {}
  /// Takes the string without copying it.
  explicit simple_producer(std::string&& data, std::size_t buffer_size = 512) noexcept
      : data_(std::move(data)), buffer_size_(buffer_size) {}
  /// Needed so that a string literal picks the copying constructor.
  explicit simple_producer(const char* data, std::size_t buffer_size = 512)
      : simple_producer(std::string_view(data), buffer_size) {}

  /// The next at most buffer_size() bytes, or an empty view when all were
  /// handed out.
  std::string_view more() override;

  /// Bytes not yet handed out.
  std::size_t remaining() const noexcept { return data_.size() - offset_; }
  /// The most bytes one more() returns (0: no limit).
  std::size_t buffer_size() const noexcept { return buffer_size_; }

 private:
  std::string data_;
  std::size_t offset_ = 0;
  std::size_t buffer_size_;
};

}  // namespace asyncore

#endif  // ASYNCORE_PRODUCER_HPP
