// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): the WSAPoll() backend (loop(use_poll=true)).
//
// What WSAPoll needs on Windows (Microsoft's WSAPoll documentation, and
// ../shared/spec/platform-notes.md §1.1 of this project for the field
// reports):
//  - Only the flags Microsoft documents for `events` are requested:
//    POLLRDNORM (pollin), POLLWRNORM (pollout) and POLLRDBAND (pollpri:
//    "priority band (out-of-band) data can be read without blocking"; the
//    SDK's own POLLIN is POLLRDNORM | POLLRDBAND). POLLPRI is "not supported
//    by the Microsoft Winsock provider" and, like POLLERR/POLLHUP or any
//    other flag outside the documented set, makes the call fail with
//    WSAEINVAL on Windows (Wine accepts it, so tests under Wine would not
//    catch that mistake). Errors and hang-ups are always reported. Revents
//    POLLRDBAND is reported as pollpri, so out-of-band data reaches
//    handle_expt on this backend as on select and POSIX poll.
//  - revents POLLERR / POLLNVAL are passed through as pollerr / pollnval,
//    as the seam (poller.hpp) asks. POLLHUP is not what POSIX means by it:
//    Windows (and Wine) report it as soon as the peer has *half*-closed
//    (sent its FIN), without POLLRDNORM, and keep reporting it whatever
//    `events` asks for. POSIX poll says the same thing with POLLIN (recv()
//    returns the rest, then 0) and says nothing to a socket that only asks
//    to write. So a POLLHUP without POLLERR is translated here, where the
//    difference lives: to pollin for a socket that asks to read, to pollout
//    when POLLWRNORM came with it, else to nothing. Passing it on as a
//    hang-up made a channel that had stopped reading to drain its output
//    (a graceful close after the peer's shutdown(SD_SEND)) get handle_close
//    and lose the rest. Such a socket (half-closed peer, asking only to
//    write, not writable yet) would also make WSAPoll return at once on
//    every call: while there is one, the wait is served by select() (the
//    select backend, whose sets do not have the sticky hang-up), until it
//    reads again or leaves the map.
//  - WSAPoll with no sockets fails (WSAEINVAL) instead of sleeping: when there
//    is nothing to watch we sleep the timeout.
//  - Only valid sockets are passed (slots without a handle are skipped); a
//    socket closed behind the loop's back comes back as POLLNVAL, or as a
//    WSAENOTSOCK failure when it is alone, which we also report as pollnval.
//
// The failed-connect bug. Before Windows 10 version 2004 (build 19041),
// WSAPoll never reported a failed non-blocking connect: the socket got
// neither POLLWRNORM nor POLLERR/POLLHUP, and WSAPoll slept until its timeout
// (forever with -1). Microsoft acknowledged it and fixed it in 19041, where a
// failed connect gives POLLHUP | POLLERR | POLLWRNORM (Daniel Stenberg,
// "WSAPoll is broken", https://daniel.haxx.se/blog/2012/10/10/wsapoll-is-broken/ ;
// the WSAPoll page's change in https://github.com/MicrosoftDocs/sdk-api/pull/764 ;
// curl disabled WSAPoll for it, and ros/ros_comm#1816, libzmq#2443 and
// poco#2706 hit it). Our approach, chosen because select() *does* report the
// failure (in exceptfds) on every Windows version:
//   1. After every WSAPoll call, the sockets that asked to write but were
//      reported neither writable nor in error (a connect that is pending, or
//      that failed unreported; or a full send buffer) are probed with a
//      zero-timeout select() on their except set. A hit with SO_ERROR != 0 is
//      reported as pollerr (SO_ERROR stashed for pending_error()), so the
//      loop runs the same connect-failure path as on every other backend.
//      This costs one extra system call only while such sockets exist, and it
//      runs on every Windows (and under Wine), so it is always exercised.
//   2. On builds older than 19041 (RtlGetVersion), while any socket asks to
//      write, each WSAPoll call is bounded to 100 ms and the wait is resumed
//      until the caller's timeout, so step 1 runs at least that often and a
//      refused connect is detected within about 100 ms of the failure instead
//      of never. On current Windows WSAPoll wakes up by itself.
// wsapoll_mode::simulate_pre2004 lets tests hide the report that a fixed
// WSAPoll gives, to check that steps 1 and 2 alone detect the failure.
#include "platform.hpp"
#include "pollers.hpp"
#include "socket_set.hpp"
#include "syscalls.hpp"
#include "winsock.hpp"

#include <algorithm>

namespace asyncore {
namespace detail {
namespace win32 {
namespace {

constexpr int slice_ms = 100;

// The portable events of one revents. A POLLHUP without POLLERR (the peer
// half-closed) becomes what POSIX poll reports then (see the top of this
// file); `half_closed` tells the caller to remember the socket.
std::uint32_t portable_events(const WSAPOLLFD& p, bool& half_closed) noexcept {
  std::uint32_t ev = 0;
  const short r = p.revents;
  if (r & POLLRDNORM) ev |= pollin;
  if (r & POLLRDBAND) ev |= pollpri;
  if (r & POLLWRNORM) ev |= pollout;
  if (r & POLLERR) ev |= pollerr;
  if (r & POLLNVAL) ev |= pollnval;
  half_closed = false;
  if (r & POLLHUP) {
    if (r & (POLLERR | POLLNVAL)) {
      ev |= pollhup;
    } else {
      half_closed = true;
      if (p.events & POLLRDNORM) ev |= pollin;
    }
  }
  return ev;
}

class wsapoll_poller final : public poller {
 public:
  explicit wsapoll_poller(wsapoll_mode mode)
      : sliced_(mode != wsapoll_mode::automatic || !wsapoll_reports_failed_connect()),
        simulate_(mode == wsapoll_mode::simulate_pre2004),
        select_(make_select_poller()) {}

  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    if (n > slots.size()) n = slots.size();
    fds_.clear();
    slot_of_.clear();
    bool wants_write = false;
    bool use_select = false;
    std::size_t kept = 0;  // the half-closed sockets still watched (the others are forgotten)
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (s.d == nullptr || s.want == 0 || s.handle == invalid_handle) continue;
      if (!half_closed_.empty()) {
        const auto it = std::find(half_closed_.begin() + static_cast<std::ptrdiff_t>(kept), half_closed_.end(),
                                  to_socket(s.handle));
        if (it != half_closed_.end()) {
          std::iter_swap(it, half_closed_.begin() + static_cast<std::ptrdiff_t>(kept++));
          if (!(s.want & pollin)) use_select = true;
        }
      }
      WSAPOLLFD p;
      p.fd = to_socket(s.handle);
      p.events = static_cast<short>(((s.want & pollin) ? POLLRDNORM : 0) | ((s.want & pollpri) ? POLLRDBAND : 0) |
                                    ((s.want & pollout) ? POLLWRNORM : 0));
      p.revents = 0;
      fds_.push_back(p);
      slot_of_.push_back(static_cast<std::uint32_t>(i));
      if (s.want & pollout) wants_write = true;
    }
    half_closed_.resize(kept);
    if (fds_.empty()) {
      sleep_rounded_up(timeout_us);
      return;
    }
    if (use_select) {
      select_->wait(slots, n, timeout_us, out, ec);
      return;
    }

    const bool slice = sliced_ && wants_write;
    const std::int64_t deadline = timeout_us < 0 ? -1 : platform::monotonic_us() + timeout_us;
    for (;;) {
      std::int64_t left = -1;
      if (deadline >= 0) left = std::max<std::int64_t>(0, deadline - platform::monotonic_us());
      int ms = timeout_ms_ceil(left);
      if (slice && (ms < 0 || ms > slice_ms)) ms = slice_ms;
      for (WSAPOLLFD& p : fds_) p.revents = 0;

      const int rc = sys().poll(fds_.data(), static_cast<ULONG>(fds_.size()), ms);
      if (rc == SOCKET_ERROR) {
        const int code = ::WSAGetLastError();
        // A lone invalid socket fails the call but still gets POLLNVAL.
        if (code == WSAENOTSOCK && collect(out, false) > 0) return;
        ec = translate(code);
        return;
      }
      if (simulate_) hide_failed_connects();
      writer_half_closed_ = false;
      if (collect(out, true) > 0) return;
      if (writer_half_closed_) {
        // Nothing to report, and WSAPoll would now return at once: wait
        // the rest of the time with select (see the top of this file).
        if (deadline >= 0) left = std::max<std::int64_t>(0, deadline - platform::monotonic_us());
        select_->wait(slots, n, left, out, ec);
        return;
      }
      if (deadline >= 0 && platform::monotonic_us() >= deadline) return;
      if (!slice && rc == 0 && deadline >= 0) return;  // timed out (rounded up)
    }
  }

 private:
  // Old Windows: a failed connect is simply not reported, neither as an
  // error nor as readable (Wine says POLLRDNORM | POLLERR).
  void hide_failed_connects() noexcept {
    for (WSAPOLLFD& p : fds_) {
      if ((p.events & POLLWRNORM) && !(p.revents & (POLLWRNORM | POLLNVAL)) && (p.revents & (POLLERR | POLLHUP)))
        p.revents = 0;
    }
  }

  // Appends the ready slots (and, with `probe`, the failed connects select
  // finds); returns how many.
  std::size_t collect(flat_vector<ready_event>& out, bool probe) {
    events_.assign(fds_.size(), 0);
    for (std::size_t k = 0; k < fds_.size(); ++k) {
      bool half_closed;
      events_[k] = portable_events(fds_[k], half_closed);
      if (!half_closed) continue;
      if (std::find(half_closed_.begin(), half_closed_.end(), fds_[k].fd) == half_closed_.end())
        half_closed_.push_back(fds_[k].fd);
      if (!(fds_[k].events & POLLRDNORM)) writer_half_closed_ = true;
    }
    if (probe) probe_connects();
    std::size_t count = 0;
    for (std::size_t k = 0; k < fds_.size(); ++k) {
      if (events_[k] == 0) continue;
      out.push_back(ready_event{slot_of_[k], events_[k]});
      ++count;
    }
    return count;
  }

  // Step 1 of the workaround described at the top of this file.
  void probe_connects() {
    candidates_.clear();
    for (std::size_t k = 0; k < fds_.size(); ++k) {
      const WSAPOLLFD& p = fds_[k];
      if ((p.events & POLLWRNORM) && !(p.revents & (POLLWRNORM | POLLERR | POLLHUP | POLLNVAL)))
        candidates_.push_back(k);
    }
    if (candidates_.empty()) return;
    except_.reset(candidates_.size());
    for (std::size_t k : candidates_) except_.add(fds_[k].fd);
    timeval zero;
    zero.tv_sec = 0;
    zero.tv_usec = 0;
    if (::select(0, nullptr, nullptr, except_.native(), &zero) <= 0) return;
    for (std::size_t r = 0; r < except_.ready_count(); ++r) {
      const SOCKET so = except_.ready(r);
      const int err = read_so_error(so);
      if (err == 0) continue;  // out-of-band data: WSAPoll's business, not ours
      stash_error(so, err);
      for (std::size_t k : candidates_)
        if (fds_[k].fd == so) events_[k] |= pollerr;
    }
  }

  const bool sliced_;
  const bool simulate_;
  std::vector<WSAPOLLFD> fds_;
  std::vector<std::uint32_t> slot_of_;
  std::vector<std::uint32_t> events_;
  std::vector<std::size_t> candidates_;
  socket_set except_;
  // Sockets whose peer half-closed (POLLHUP seen), while they are watched.
  std::vector<SOCKET> half_closed_;
  bool writer_half_closed_ = false;  // collect() saw one that asks only to write
  std::unique_ptr<poller> select_;  // serves the waits while one of them asks only to write
};

}  // namespace

bool wsapoll_reports_failed_connect() noexcept {
  static const bool fixed = [] {
    using rtl_get_version = LONG(WINAPI*)(OSVERSIONINFOW*);
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) return false;
    // Through void(*)() so that GCC's -Wcast-function-type stays quiet.
    auto fn = reinterpret_cast<rtl_get_version>(
        reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, "RtlGetVersion")));
    if (fn == nullptr) return false;
    OSVERSIONINFOW info;
    ZeroMemory(&info, sizeof info);
    info.dwOSVersionInfoSize = static_cast<DWORD>(sizeof info);
    if (fn(&info) != 0) return false;
    if (info.dwMajorVersion != 10) return info.dwMajorVersion > 10;
    return info.dwBuildNumber >= 19041;
  }();
  return fixed;
}

std::unique_ptr<poller> make_wsapoll_poller(wsapoll_mode mode) {
  return std::unique_ptr<poller>(new wsapoll_poller(mode));
}

}  // namespace win32
}  // namespace detail
}  // namespace asyncore
