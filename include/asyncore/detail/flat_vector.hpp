// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): a growable array of trivially copyable
// elements, for the library's own state (byte_queue here; the rest behind
// the headers, in src/).
//
// Growing is one memcpy, done by ONE out-of-line function for every element
// type (grow_buffer, src/flat_vector.cpp). A std::vector emits its growth
// paths (_M_realloc_insert, _M_default_append, _M_check_len, relocation) once
// per element type: on a Cortex-M4 that was about 1.5 KiB of the library's
// flash for six types. The fast paths (push_back with room, operator[])
// are the same inline code as std::vector's.
//
// Only what the library uses is here. Allocation goes through ::operator new,
// so a failure is what it was with std::vector: std::bad_alloc, or the
// terminate of a build without exceptions.
#ifndef ASYNCORE_DETAIL_FLAT_VECTOR_HPP
#define ASYNCORE_DETAIL_FLAT_VECTOR_HPP

#include <asyncore/export.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace asyncore {
namespace detail {

/// Moves the `used` bytes at `data` into a new block of at least `need`
/// elements of `elem` bytes (twice `capacity` when that is more), frees
/// `data` and returns the new block; `capacity` becomes its size in elements.
ASYNCORE_API void* grow_buffer(void* data, std::size_t used, std::size_t& capacity, std::size_t need, std::size_t elem);

template <class T>
class flat_vector {
  static_assert(std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value,
                "flat_vector moves its elements with memcpy");

 public:
  flat_vector() noexcept = default;
  flat_vector(const flat_vector&) = delete;
  flat_vector& operator=(const flat_vector&) = delete;
  flat_vector(flat_vector&& o) noexcept { swap(o); }
  flat_vector& operator=(flat_vector&& o) noexcept {
    swap(o);
    return *this;
  }
  ~flat_vector() {
    if (data_) ::operator delete(data_);  // not a call per empty vector (the loop makes one per iteration)
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T& back() noexcept { return data_[size_ - 1]; }

  void push_back(const T& v) {
    if (size_ == cap_) {
      const T copy = v;  // v may be one of ours
      reserve(size_ + 1);
      data_[size_++] = copy;
      return;
    }
    data_[size_++] = v;
  }
  /// Appends n elements from p, which must not point into this vector.
  void append(const T* p, std::size_t n) {
    reserve(size_ + n);
    if (n) std::memcpy(static_cast<void*>(data_ + size_), p, n * sizeof(T));
    size_ += n;
  }
  void pop_back() noexcept { --size_; }
  void clear() noexcept { size_ = 0; }
  void reserve(std::size_t n) {
    if (n > cap_) data_ = static_cast<T*>(grow_buffer(data_, size_ * sizeof(T), cap_, n, sizeof(T)));
  }
  /// New elements are value-initialised (T's default member initialisers).
  void resize(std::size_t n) {
    reserve(n);
    for (std::size_t i = size_; i < n; ++i) new (data_ + i) T();
    size_ = n;
  }
  void swap(flat_vector& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_DETAIL_FLAT_VECTOR_HPP
