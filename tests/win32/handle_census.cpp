// SPDX-License-Identifier: MIT
// The leak check's census on Windows (tests/support.cpp): the process's open
// Winsock sockets. Winsock cannot list them, and the library's own count
// (src/win32/runtime.cpp) is internal, so every handle value a socket can
// have in a test process is probed with getsockopt(SO_TYPE), which succeeds
// on a socket and fails with WSAENOTSOCK on anything else. SOCKETs are kernel
// handles: multiples of 4, allocated lowest-free-first by Windows and by
// Wine, so in a test process they stay far below the probed range (the
// census fails the test if one is found near its end, rather than miss one).
#include "win32/winsock.hpp"

#include "support.hpp"

#include <cstdio>
#include <string>

namespace asyncore_test {

namespace {
constexpr unsigned long probe_limit = 4 * 4096;  // handle values 4 .. 16380

bool winsock_started() {
  static const bool ok = [] {
    WSADATA d;
    return ::WSAStartup(MAKEWORD(2, 2), &d) == 0;  // our own reference, never released
  }();
  return ok;
}
}  // namespace

handle_census take_handle_census() {
  handle_census c;
  c.what = "socket";
  if (!winsock_started()) {
    c.supported = false;
    return c;
  }
  for (unsigned long v = 4; v < probe_limit; v += 4) {
    SOCKET s = static_cast<SOCKET>(v);
    int type = 0;
    int len = static_cast<int>(sizeof type);
    if (::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0) {
      char name[64];
      std::snprintf(name, sizeof name, "socket 0x%lx (%s)", v,
                    type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "datagram" : "other");
      c.handles.push_back(name);
      if (v + 256 >= probe_limit) ADD_FAILURE() << "a socket handle near the end of the census's range: widen it";
    }
  }
  return c;
}

}  // namespace asyncore_test
