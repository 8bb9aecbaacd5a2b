// SPDX-License-Identifier: MIT
// asyncore for C++, Cortex-M4 port: what the firmware images (firmware.cpp,
// tls_firmware.cpp) share: starting lwIP's thread before the loop, an echo
// handler and a listening dispatcher.
#pragma once

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include <asyncore/asyncore.hpp>

#include <cstdint>

namespace cm4 {

inline void tcpip_ready(void* arg) { sys_sem_signal(static_cast<sys_sem_t*>(arg)); }

/// Starts lwIP (tcpip_init) and waits until its thread has called back.
/// Returns false when the semaphore cannot be made.
inline bool start_lwip() {
  sys_sem_t ready;
  if (sys_sem_new(&ready, 0) != ERR_OK) return false;
  tcpip_init(tcpip_ready, &ready);
  sys_sem_wait(&ready);
  sys_sem_free(&ready);
  return true;
}

/// Python's asyncore echo handler: what it reads it sends back.
class echo_handler : public asyncore::dispatcher_with_send {
 public:
  using dispatcher_with_send::dispatcher_with_send;
  void handle_read() override {
    char buf[256];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
};

/// A TCP listener on every IPv4 address of the device, port `port` (closed
/// again when it cannot listen); subclasses take the connections in
/// handle_accepted.
class listener : public asyncore::dispatcher {
 public:
  listener(asyncore::socket_map* m, std::uint16_t port) : dispatcher(m) {
    std::error_code ec;
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(asyncore::address::any(asyncore::family::inet, port), ec);
    if (!ec) listen(2, ec);
    if (ec) close();
  }
};

}  // namespace cm4
