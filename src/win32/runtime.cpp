// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): Winsock start-up and the per-socket record.
//
// Start-up. Every successful WSAStartup must be matched by exactly one
// WSACleanup, and neither may be called from DllMain (Microsoft's WSAStartup
// documentation). The library takes one
// reference, lazily and thread-safely, the first time it needs Winsock (the
// first socket it opens, or a resolver call): a function-local static, as
// Asio's winsock_init does. That reference is released at normal process
// exit, by the static's destructor, but only when it is safe:
//   - never in a DLL build of the library (CMake defines ASYNCORE_BUILDING,
//     the target's DEFINE_SYMBOL, only when it builds the DLL),
//     because there static destructors run inside DllMain(DLL_PROCESS_DETACH);
//   - never while sockets the library opened are still open (for example a
//     default_map() constructed before the guard, and so destroyed after
//     it): closing them after the last WSACleanup would fail.
// Skipping WSACleanup at exit is harmless: the process is ending and Windows
// releases everything. An application that itself calls WSAStartup and
// WSACleanup keeps its own reference and is not affected by ours.
//
// The per-socket record. Winsock has no way to read back FIONBIO, so the
// blocking mode of each socket the library creates, accepts or changes is
// recorded here; and the select backend, which must read SO_ERROR to tell a
// failed connect from out-of-band data in exceptfds, stashes the value it
// read (reading clears it) until pending_error() asks for it.
#include "syscalls.hpp"
#include "winsock.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace asyncore {
namespace detail {
namespace win32 {
namespace {

struct socket_record {
  bool blocking = false;
  int stashed_error = 0;
};

struct registry {
  std::mutex mutex;
  std::unordered_map<SOCKET, socket_record> sockets;
  std::atomic<long> open_count{0};
};

registry& the_registry() noexcept {
  // Never destroyed: closes may still happen from other static destructors.
  static registry* r = new registry;
  return *r;
}

class winsock_runtime {
 public:
  winsock_runtime() noexcept {
    WSADATA data;
    result_ = ::WSAStartup(MAKEWORD(2, 2), &data);
    if (result_ == 0 && (LOBYTE(data.wVersion) != 2 || HIBYTE(data.wVersion) != 2)) {
      ::WSACleanup();
      result_ = WSAVERNOTSUPPORTED;
    }
  }
  ~winsock_runtime() {
#if !defined(ASYNCORE_BUILDING)
    if (result_ == 0 && the_registry().open_count.load() == 0) ::WSACleanup();
#endif
  }
  winsock_runtime(const winsock_runtime&) = delete;
  winsock_runtime& operator=(const winsock_runtime&) = delete;
  int result() const noexcept { return result_; }

 private:
  int result_ = 0;
};

}  // namespace

std::error_code ensure_started() noexcept {
  static winsock_runtime runtime;
  return translate(runtime.result());
}

void note_open(SOCKET s, bool blocking) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.sockets.find(s);
  if (it == r.sockets.end()) {
    r.sockets.emplace(s, socket_record{blocking, 0});
    ++r.open_count;
  } else {
    // The handle value was reused after a close we did not see.
    it->second = socket_record{blocking, 0};
  }
}

void note_closed(SOCKET s) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.sockets.erase(s) != 0) --r.open_count;
}

void note_blocking(SOCKET s, bool blocking) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.sockets.find(s);
  if (it != r.sockets.end()) {
    it->second.blocking = blocking;
  } else {
    // A socket made elsewhere (set_socket): remember its mode from now on.
    r.sockets.emplace(s, socket_record{blocking, 0});
    ++r.open_count;
  }
}

bool recorded_blocking(SOCKET s) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.sockets.find(s);
  return it == r.sockets.end() ? true : it->second.blocking;
}

void stash_error(SOCKET s, int code) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.sockets.find(s);
  if (it != r.sockets.end()) {
    it->second.stashed_error = code;
  } else {
    // Winsock's default mode for a socket we never saw is blocking.
    r.sockets.emplace(s, socket_record{true, code});
    ++r.open_count;
  }
}

int take_stashed_error(SOCKET s) noexcept {
  registry& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.sockets.find(s);
  if (it == r.sockets.end()) return 0;
  int code = it->second.stashed_error;
  it->second.stashed_error = 0;
  return code;
}

#if ASYNCORE_TESTING
namespace {
syscall_table make_real() noexcept {
  syscall_table t{};
  t.socket = &::WSASocketW;
  t.connect = &::connect;
  t.accept = &::accept;
  t.send = &::send;
  t.recv = &::recv;
  t.closesocket = &::closesocket;
  t.select = &::select;
  t.poll = &::WSAPoll;
  t.getsockopt = &::getsockopt;
  return t;
}
const syscall_table g_real = make_real();
syscall_table g_sys = g_real;
}  // namespace

syscall_table& sys() noexcept { return g_sys; }
const syscall_table& real_sys() noexcept { return g_real; }
#endif

int read_so_error(SOCKET s) noexcept {
  int value = 0;
  int len = static_cast<int>(sizeof value);
  if (sys().getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&value), &len) != 0) return 0;
  return value;
}

}  // namespace win32
}  // namespace detail
}  // namespace asyncore
