// SPDX-License-Identifier: MIT
// The rules of tests/fault_injection.hpp, shared by every platform's
// tests/<platform>/fault_injection.cpp (which hooks the calls).
#include "fault_injection.hpp"

#include <condition_variable>
#include <mutex>

namespace fault {
namespace {

struct rule {
  int skip = 0;
  int count = 0;
  std::errc e = std::errc::io_error;
  asyncore::native_handle_type only = any;
};

struct state {
  std::mutex mutex;  // the wake-up is signalled from other threads
  rule rules[op_count];
  int calls[op_count] = {};
  int injected[op_count] = {};
  std::size_t limit_max = 0;
  int limit_count = 0;
  asyncore::native_handle_type limit_only = any;
  int hold_op = -1;       // hold(): the operation whose next call waits
  bool held = false;      // a call is waiting in take()
  std::condition_variable released;
};

state& the() {
  static state s;
  return s;
}

int index(op o) noexcept { return static_cast<int>(o); }

}  // namespace

const char* name(op o) noexcept {
  static const char* const names[op_count] = {"open", "connect", "accept", "send", "recv",
                                              "close", "wait", "ctl", "wake", "connect_result"};
  return names[index(o)];
}

void fail(op o, std::errc e, int count, int skip, asyncore::native_handle_type only) {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.rules[index(o)] = rule{skip, count, e, only};
}

void limit_send(std::size_t max, int count, asyncore::native_handle_type only) {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.limit_max = max;
  s.limit_count = count;
  s.limit_only = only;
}

void hold(op o) {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.hold_op = index(o);
  s.held = false;
}

void release() noexcept {
  state& s = the();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.hold_op = -1;
  }
  s.released.notify_all();
}

bool holding() noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.held;
}

int calls(op o) noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.calls[index(o)];
}

int injected(op o) noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.injected[index(o)];
}

int pending(op o) noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.rules[index(o)].count;
}

void clear() noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (rule& r : s.rules) r = rule{};
  s.limit_count = 0;
  s.hold_op = -1;
  s.released.notify_all();
}

namespace engine {

bool take(op o, asyncore::native_handle_type h, std::errc& e) noexcept {
  state& s = the();
  std::unique_lock<std::mutex> lock(s.mutex);
  ++s.calls[index(o)];
  if (s.hold_op == index(o) && !s.held) {
    s.held = true;  // this call waits; the next ones of `o` do not
    s.released.wait(lock, [&] { return s.hold_op != index(o); });
  }
  rule& r = s.rules[index(o)];
  if (r.count <= 0) return false;
  if (r.only != any && r.only != h) return false;
  if (r.skip > 0) {
    --r.skip;
    return false;
  }
  --r.count;
  ++s.injected[index(o)];
  e = r.e;
  return true;
}

std::size_t send_cap(asyncore::native_handle_type h, std::size_t n) noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.limit_count <= 0 || (s.limit_only != any && s.limit_only != h)) return n;
  --s.limit_count;
  return n < s.limit_max ? n : s.limit_max;
}

void reset() noexcept {
  state& s = the();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (int i = 0; i < op_count; ++i) {
    s.rules[i] = rule{};
    s.calls[i] = 0;
    s.injected[i] = 0;
  }
  s.limit_count = 0;
  s.hold_op = -1;
  s.held = false;
  s.released.notify_all();
}

}  // namespace engine
}  // namespace fault
