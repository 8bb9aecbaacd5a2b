// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP raw-API platform): the loop's wait, time, and the
// wake-up handle.
//
// There is no select() or poll() under lwIP's raw API: readiness is computed
// from the connection records (raw.hpp) that lwIP's callbacks fill. Both
// asyncore backends, select (use_poll=false, Python's default) and poll, are
// this one poller, so every program runs unchanged; epoll does not exist
// here. A wait services the stack (queued output, the network interfaces,
// sys_check_timeouts), computes readiness, and when nothing is ready sleeps
// in the port's idle (WFI on a board) until an interrupt, a wake-up or the
// earlier of the loop's deadline and lwIP's next timeout, then services
// again.
//
// The wake-up handle (call_soon_threadsafe) is a record of its own whose
// readiness is an atomic flag: wake_signal sets it from any context (another
// thread, an interrupt handler) and calls the port's notify, which ends an
// idle early; wake_drain clears it in the loop's thread.
#include "raw.hpp"

#include "../../platform.hpp"
#include "../../poller.hpp"

#include <asyncore/error.hpp>

namespace asyncore {
namespace detail {
namespace lwip_raw {

std::uint64_t now_ms() noexcept {
  // sys_now() is a 32-bit millisecond counter that wraps after ~49.7 days;
  // it is extended to 64 bits here (one loop thread: no lock needed).
  static std::uint32_t last = 0;
  static std::uint64_t high = 0;
  const std::uint32_t now = sys_now();
  if (now < last && last - now > 0x80000000u) high += std::uint64_t(1) << 32;
  if (now >= last || last - now > 0x80000000u) last = now;
  return high + last;
}

void idle(std::uint32_t ms) noexcept {
  const u32_t next = sys_timeouts_sleeptime();  // 0xffffffff: no timeout
  if (next < ms) ms = next;
  if (ms == 0) return;
  for (int i = 0; i < max_handles; ++i)
    if (g_wake[i].load(std::memory_order_acquire)) return;  // a wake-up is pending
  asyncore_lwip_raw_idle(ms);
}

namespace {

class raw_poller final : public poller {
 public:
  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    drive(timeout_us, [&] {
      bool any = false;
      for (std::size_t i = 0; i < n; ++i) {
        const slot& s = slots[i];
        if (!s.want || s.d == nullptr) continue;
        const unsigned ev = readiness(s.handle, s.want);
        if (ev) {
          out.push_back(ready_event{static_cast<std::uint32_t>(i), ev});
          any = true;
        }
      }
      return any;
    });
  }
};

}  // namespace
}  // namespace lwip_raw

namespace platform {

using namespace lwip_raw;

std::int64_t monotonic_us() noexcept { return static_cast<std::int64_t>(now_ms()) * 1000; }

void sleep_us(std::int64_t us) noexcept {
  // No channel wants anything: the stack still runs (timers, input).
  if (us == 0) {
    service();
    return;
  }
  drive(us, [] { return false; });
}

std::unique_ptr<poller> make_poller(backend b, std::error_code& ec) {
  ec.clear();
  if (b == backend::select || b == backend::poll) return std::unique_ptr<poller>(new raw_poller());
  ec = make_error_code(errc::backend_unavailable);
  return nullptr;
}

bool has_backend(backend b) noexcept { return b == backend::select || b == backend::poll; }

const capabilities& caps() noexcept {
  static const capabilities c{
      "lwip-raw",
      /*ipv6=*/LWIP_IPV6 != 0 && LWIP_HAVE_LOOPIF != 0,
      /*local=*/false,
      /*oob=*/false,
      /*files=*/false,
      /*pollhup=*/false,
  };
  return c;
}

void make_wake(handle& watch, handle& signal_end, std::error_code& ec) noexcept {
  ec.clear();
  const int h = alloc_handle(kind::wake, family::inet);  // a record, no pcb
  if (h < 0) {
    ec = make_error_code(errc::descriptors_exhausted);
    return;
  }
  watch = signal_end = h;
}

void wake_signal(handle h) noexcept {
  if (h < 0 || h >= max_handles) return;
  g_wake[h].store(true, std::memory_order_release);
  asyncore_lwip_raw_notify();
}

void wake_drain(handle h) noexcept {
  if (h < 0 || h >= max_handles) return;
  g_wake[h].store(false, std::memory_order_release);
}

void wake_close(handle, handle) noexcept {}  // one handle: the channel closes it

// Interrupt handlers may post (call_soon_threadsafe, request_exit): the
// board masks them around the map's locks (asyncore_lwip_raw_protect).
std::uint32_t mask_interrupts() noexcept { return asyncore_lwip_raw_protect(); }
void restore_interrupts(std::uint32_t token) noexcept { asyncore_lwip_raw_unprotect(token); }
bool posts_from_interrupts() noexcept { return true; }

// The C library (newlib on a board, glibc on the host) describes every errno
// value this platform reports.
std::string describe(const std::error_code& ec) { return ec.message(); }

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
