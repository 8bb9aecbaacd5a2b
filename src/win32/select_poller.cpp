// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): the select() backend, the default.
//
//  - The three sets are sized to the number of channels (socket_set.hpp), so
//    there is no 64-socket cap and no FD_SETSIZE check: a SOCKET is a handle,
//    not an index, and any value can be watched.
//  - Every socket with any interest is in the except set, as in Python's
//    asyncore. Windows reports a failed non-blocking connect only there,
//    never in the write set (Microsoft's select() documentation: exceptfds
//    "if processing a connect call (nonblocking), connection attempt
//    failed"; libev and LibreSSL's win32 poll shim work around the same).
//    The other reason a socket is in exceptfds is out-of-band data. To tell
//    them apart we read SO_ERROR: non-zero is reported as pollerr (the loop
//    turns pollerr on a connecting channel into the connect-failure path);
//    zero as pollpri. Reading SO_ERROR clears it, so the value is stashed
//    for pending_error() (runtime.cpp).
//  - select() with three empty sets fails with WSAEINVAL instead of
//    sleeping; when no socket can be watched we sleep the timeout instead.
//  - nfds is ignored on Windows; pass 0.
//  - If a handle in the sets is not a socket (closed behind the loop's back)
//    select() fails as a whole with WSAENOTSOCK: the culprits are found and
//    reported as pollnval, as poll() does on POSIX, instead of failing the loop.
#include "platform.hpp"
#include "pollers.hpp"
#include "socket_set.hpp"
#include "syscalls.hpp"
#include "winsock.hpp"

#include <algorithm>
#include <utility>

namespace asyncore {
namespace detail {
namespace win32 {
namespace {

class select_poller final : public poller {
 public:
  void wait(flat_vector<slot>& slots, std::size_t n, std::int64_t timeout_us, flat_vector<ready_event>& out,
            std::error_code& ec) override {
    ec.clear();
    if (n > slots.size()) n = slots.size();
    read_.reset(n);
    write_.reset(n);
    except_.reset(n);
    index_.clear();  // keeps its storage: no allocation per iteration
    for (std::size_t i = 0; i < n; ++i) {
      const slot& s = slots[i];
      if (s.d == nullptr || s.want == 0 || s.handle == invalid_handle) continue;
      // A handle is registered once (socket_map replaces a duplicate).
      const SOCKET so = to_socket(s.handle);
      index_.emplace_back(so, static_cast<std::uint32_t>(i));
      if (s.want & pollin) read_.add(so);
      if (s.want & pollout) write_.add(so);
      except_.add(so);
    }
    if (except_.empty()) {
      sleep_rounded_up(timeout_us);
      return;
    }
    std::sort(index_.begin(), index_.end());  // socket -> slot by binary search

    timeval tv;
    int rc = sys().select(0, read_.native(), write_.native(), except_.native(), make_timeval(timeout_us, tv));
    if (rc == SOCKET_ERROR) {
      const int code = ::WSAGetLastError();
      if (code == WSAENOTSOCK && report_not_sockets(out)) return;
      ec = translate(code);
      return;
    }
    if (rc == 0) return;

    events_.assign(n, 0);
    for (std::size_t k = 0; k < read_.ready_count(); ++k) mark(read_.ready(k), pollin);
    for (std::size_t k = 0; k < write_.ready_count(); ++k) mark(write_.ready(k), pollout);
    for (std::size_t k = 0; k < except_.ready_count(); ++k) {
      const SOCKET so = except_.ready(k);
      const int err = read_so_error(so);
      if (err != 0) {
        stash_error(so, err);
        mark(so, pollerr);
      } else {
        mark(so, pollpri);
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      if (events_[i] != 0) out.push_back(ready_event{static_cast<std::uint32_t>(i), events_[i]});
  }

 private:
  void mark(SOCKET so, std::uint32_t bit) noexcept {
    auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(so, std::uint32_t{0}));
    if (it != index_.end() && it->first == so) events_[it->second] |= bit;
  }

  bool report_not_sockets(flat_vector<ready_event>& out) {
    std::size_t before = out.size();
    for (const auto& entry : index_) {
      int type = 0;
      int len = static_cast<int>(sizeof type);
      if (::getsockopt(entry.first, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) != 0 &&
          ::WSAGetLastError() == WSAENOTSOCK)
        out.push_back(ready_event{entry.second, pollnval});
    }
    return out.size() != before;
  }

  socket_set read_, write_, except_;
  std::vector<std::pair<SOCKET, std::uint32_t>> index_;  // sorted by socket before select()
  std::vector<std::uint32_t> events_;
};

}  // namespace

std::unique_ptr<poller> make_select_poller() { return std::unique_ptr<poller>(new select_poller()); }

}  // namespace win32
}  // namespace detail
}  // namespace asyncore
