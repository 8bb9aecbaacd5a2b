// SPDX-License-Identifier: MIT
/* asyncore for C++, lwIP host port: starting lwIP's stack once.
 *
 * asyncore_lwip_host_start() runs tcpip_init() the first time it is called,
 * waits on a semaphore until its callback has run on the tcpip thread (no
 * socket call may happen before that), and checks that the loopback
 * interface (LWIP_HAVE_LOOPIF: 127.0.0.1 and ::1) is up. Later calls return
 * at once. asyncore's lwIP layer calls it before opening a socket (see
 * ASYNCORE_LWIP_ENSURE_STARTED in lwipopts.h), and the test main calls it
 * before running the suite. */
#include "lwip/opt.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void tcpip_ready(void *arg) {
  sys_sem_t *sem = (sys_sem_t *)arg;
  sys_sem_signal(sem);
}

static void start_once(void) {
  sys_sem_t sem;
  struct netif *lo;
  if (sys_sem_new(&sem, 0) != ERR_OK) {
    fprintf(stderr, "asyncore lwip-host: sys_sem_new failed\n");
    abort();
  }
  tcpip_init(tcpip_ready, &sem);
  sys_sem_wait(&sem);
  sys_sem_free(&sem);

  /* lwip_init() (run by tcpip_init) created the loopback interface; make
   * sure it is up, under the core lock like every raw-API call. */
  LOCK_TCPIP_CORE();
  lo = netif_find("lo0");
  if (lo != NULL) {
    netif_set_link_up(lo);
    netif_set_up(lo);
  }
  UNLOCK_TCPIP_CORE();
  if (lo == NULL) {
    fprintf(stderr, "asyncore lwip-host: no loopback interface (set LWIP_HAVE_LOOPIF 1)\n");
    abort();
  }
}

void asyncore_lwip_host_start(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, start_once);
}
