// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): a FIFO of bytes with a read offset.
//
// Appending is amortised O(1) and consuming is O(1): consumed bytes are
// dropped by moving the unread tail to the front only once they are at least
// half of the buffer, so no byte is copied more than a constant number of
// times. The storage is kept when the queue empties, so a channel in steady
// state does not allocate.
#ifndef ASYNCORE_DETAIL_BYTE_QUEUE_HPP
#define ASYNCORE_DETAIL_BYTE_QUEUE_HPP

#include <asyncore/detail/flat_vector.hpp>

#include <cstddef>
#include <cstring>

namespace asyncore {
namespace detail {

class byte_queue {
 public:
  const char* data() const noexcept { return buf_.data() + head_; }
  std::size_t size() const noexcept { return buf_.size() - head_; }
  bool empty() const noexcept { return size() == 0; }

  void append(const void* p, std::size_t n) {
    if (n == 0) return;
    if (head_ != 0 && head_ >= buf_.size() / 2) compact();
    buf_.append(static_cast<const char*>(p), n);
  }

  void consume(std::size_t n) noexcept {
    head_ += n;
    if (head_ >= buf_.size()) clear();
  }

  void clear() noexcept {
    buf_.clear();
    head_ = 0;
  }

  /// Releases the storage (clear() keeps it).
  void shrink() {
    clear();
    flat_vector<char>().swap(buf_);
  }

 private:
  void compact() noexcept {
    std::size_t n = size();
    if (n) std::memmove(buf_.data(), buf_.data() + head_, n);
    buf_.resize(n);
    head_ = 0;
  }

  flat_vector<char> buf_;
  std::size_t head_ = 0;
};

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_DETAIL_BYTE_QUEUE_HPP
