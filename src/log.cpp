// SPDX-License-Identifier: MIT
// asyncore for C++: the replaceable log sink.
//
// set_log_sink may be called while loops run on other threads: the sink and
// its context are read and written together under a tiny spin lock (held for
// two pointer copies, never while the sink runs), which needs no operating
// system primitive, so it works the same without threads (firmware).
#include <asyncore/log.hpp>

#include <atomic>
#include <cstdio>

namespace asyncore {
namespace {

void default_sink(void*, log_stream stream, std::string_view line) {
  std::FILE* f = stream == log_stream::log ? stderr : stdout;
  std::fwrite(line.data(), 1, line.size(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

std::atomic_flag g_lock = ATOMIC_FLAG_INIT;
log_sink g_sink = &default_sink;
void* g_context = nullptr;

struct spin_guard {
  spin_guard() noexcept {
    while (g_lock.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~spin_guard() { g_lock.clear(std::memory_order_release); }
  spin_guard(const spin_guard&) = delete;
  spin_guard& operator=(const spin_guard&) = delete;
};

}  // namespace

void set_log_sink(log_sink sink, void* context) noexcept {
  const spin_guard lock;
  g_sink = sink ? sink : &default_sink;
  g_context = sink ? context : nullptr;
}

void write_log(log_stream stream, std::string_view line) {
  log_sink sink;
  void* context;
  {
    const spin_guard lock;
    sink = g_sink;
    context = g_context;
  }
  sink(context, stream, line);
}

}  // namespace asyncore
