// SPDX-License-Identifier: MIT
// asyncore for C++, Cortex-M4 port: starting lwIP's thread before the loop,
// shared by the firmware images (firmware.cpp, tls_firmware.cpp).
#pragma once

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

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

}  // namespace cm4
