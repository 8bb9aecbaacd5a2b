// SPDX-License-Identifier: MIT
// src/flat_vector.cpp: the one growth path of every flat_vector (see
// flat_vector.hpp).
#include <asyncore/detail/flat_vector.hpp>

#include <cstring>

namespace asyncore {
namespace detail {

void* grow_buffer(void* data, std::size_t used, std::size_t& capacity, std::size_t need, std::size_t elem) {
  std::size_t n = capacity < 4 ? 4 : capacity * 2;
  if (n < need) n = need;
  const std::size_t limit = static_cast<std::size_t>(-1) / elem;
  // More than the address space can hold: an impossible request, which
  // ::operator new refuses as it refuses any other it cannot meet.
  void* fresh = ::operator new(n > limit ? static_cast<std::size_t>(-1) : n * elem);
  if (used) std::memcpy(fresh, data, used);
  ::operator delete(data);
  capacity = n;
  return fresh;
}

}  // namespace detail
}  // namespace asyncore
