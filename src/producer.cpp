// SPDX-License-Identifier: MIT
// asyncore for C++: producers (see include/asyncore/producer.hpp).
#include <asyncore/producer.hpp>

namespace asyncore {

producer::~producer() = default;

std::string_view simple_producer::more() {
  // C:284-292 without the re-slicing: a view at an advancing offset.
  const std::size_t left = data_.size() - offset_;
  const std::size_t n = (buffer_size_ == 0 || left < buffer_size_) ? left : buffer_size_;
  std::string_view out(data_.data() + offset_, n);
  offset_ += n;
  return out;
}

}  // namespace asyncore
