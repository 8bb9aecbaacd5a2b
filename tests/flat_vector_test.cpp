// SPDX-License-Identifier: MIT
// detail::flat_vector, the growable array of the library's own state (the
// loop's slots and lists, the timer heap, byte_queue): growth keeps every
// element, a push of one of its own elements survives the growth it causes,
// resize value-initialises, clear keeps the storage.
#include <asyncore/detail/byte_queue.hpp>
#include <asyncore/detail/flat_vector.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using asyncore::detail::flat_vector;

struct item {
  std::uint32_t a = 7;
  std::uint8_t b = 9;
};

TEST(FlatVector, growth_keeps_every_element) {
  flat_vector<std::uint32_t> v;
  for (std::uint32_t i = 0; i < 1000; ++i) v.push_back(i * 3);
  ASSERT_EQ(v.size(), 1000u);
  EXPECT_GE(v.capacity(), 1000u);
  for (std::uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(v[i], i * 3) << i;
  EXPECT_EQ(v.back(), 999u * 3);
  std::uint64_t sum = 0;
  for (std::uint32_t x : v) sum += x;
  EXPECT_EQ(sum, 3u * 999u * 1000u / 2u);
}

TEST(FlatVector, pushing_an_own_element_while_full_copies_it_first) {
  flat_vector<std::uint32_t> v;
  v.push_back(41);
  while (v.size() < v.capacity()) v.push_back(0);
  const std::size_t full = v.size();
  v.push_back(v[0]);  // the reference dangles once the storage moves
  ASSERT_EQ(v.size(), full + 1);
  EXPECT_EQ(v[full], 41u);
}

TEST(FlatVector, resize_value_initialises_and_clear_keeps_storage) {
  flat_vector<item> v;
  v.resize(5);
  ASSERT_EQ(v.size(), 5u);
  for (const item& x : v) {
    EXPECT_EQ(x.a, 7u);
    EXPECT_EQ(x.b, 9u);
  }
  v[2].a = 1;
  v.resize(2);
  EXPECT_EQ(v.size(), 2u);
  const std::size_t cap = v.capacity();
  const item* storage = v.data();
  v.clear();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), cap);
  v.resize(4);
  EXPECT_EQ(v.data(), storage);  // no allocation below the capacity
  EXPECT_EQ(v[2].a, 7u);         // resize initialised it again
}

TEST(FlatVector, append_swap_and_move) {
  flat_vector<char> a;
  a.append("hello", 5);
  a.append(" world", 6);
  EXPECT_EQ(std::string(a.data(), a.size()), "hello world");
  flat_vector<char> b;
  b.append("x", 1);
  a.swap(b);
  EXPECT_EQ(std::string(a.data(), a.size()), "x");
  EXPECT_EQ(std::string(b.data(), b.size()), "hello world");
  flat_vector<char> c(std::move(b));
  EXPECT_EQ(std::string(c.data(), c.size()), "hello world");
  EXPECT_TRUE(b.empty());
  a.pop_back();
  EXPECT_TRUE(a.empty());
}

TEST(FlatVector, byte_queue_consumes_and_compacts) {
  asyncore::detail::byte_queue q;
  std::string expect;
  for (int i = 0; i < 200; ++i) {
    const std::string piece(static_cast<std::size_t>(i % 17 + 1), static_cast<char>('a' + i % 26));
    q.append(piece.data(), piece.size());
    expect += piece;
    const std::size_t take = static_cast<std::size_t>(i % 5);
    if (take <= q.size()) {
      q.consume(take);
      expect.erase(0, take);
    }
    ASSERT_EQ(std::string(q.data(), q.size()), expect) << i;
  }
  q.shrink();
  EXPECT_TRUE(q.empty());
}

}  // namespace
