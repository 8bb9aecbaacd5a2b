// SPDX-License-Identifier: MIT
/* asyncore for C++, lwIP raw-API host port (NO_SYS 1): what a bare-metal
 * board provides, on Linux.
 *
 *   sys_now()                    lwIP's millisecond clock (CLOCK_MONOTONIC)
 *   asyncore_lwip_raw_host_start lwip_init() once, loopback up
 *   asyncore_lwip_raw_service    polls the network interfaces: here the
 *                                loopback queue (netif_poll_all), on a board
 *                                the NIC driver's receive path
 *   asyncore_lwip_raw_idle       sleeps until a notify or `ms` milliseconds
 *                                (a board: WFI until an interrupt)
 *   asyncore_lwip_raw_notify     ends an idle early, from any thread (a board:
 *                                nothing, the interrupt itself ends WFI)
 *   asyncore_lwip_raw_protect,   nothing here: other threads stand in for
 *   asyncore_lwip_raw_unprotect  interrupts and preempt each other (a board:
 *                                mask the interrupts that may post)
 *
 * lwIP runs only in the thread that runs the loop; other threads touch
 * nothing but the wake-up flags and asyncore_lwip_raw_notify. */
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

u32_t sys_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (u32_t)((u64_t)ts.tv_sec * 1000u + (u64_t)ts.tv_nsec / 1000000u);
}

static void start_once(void) {
  struct netif *lo;
  lwip_init(); /* with LWIP_HAVE_LOOPIF: adds "lo0" (127.0.0.1, ::1) */
  lo = netif_find("lo0");
  if (lo == NULL) {
    fprintf(stderr, "asyncore lwip-raw-host: no loopback interface (set LWIP_HAVE_LOOPIF 1)\n");
    abort();
  }
  netif_set_link_up(lo);
  netif_set_up(lo);
}

void asyncore_lwip_raw_host_start(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, start_once);
}

void asyncore_lwip_raw_service(void) { netif_poll_all(); }

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond;
static pthread_once_t g_cond_once = PTHREAD_ONCE_INIT;
static int g_notified;
static atomic_ulong g_idles;    /* idles entered (tests/lwip_raw waits for one) */
static atomic_ulong g_notified_idles; /* idles a notify ended (tests/lwip_raw checks) */

unsigned long asyncore_lwip_raw_host_idles(void) { return atomic_load(&g_idles); }
unsigned long asyncore_lwip_raw_host_notified_idles(void) { return atomic_load(&g_notified_idles); }

static void make_cond(void) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&g_cond, &a);
  pthread_condattr_destroy(&a);
}

void asyncore_lwip_raw_idle(u32_t ms) {
  struct timespec until;
  pthread_once(&g_cond_once, make_cond);
  atomic_fetch_add(&g_idles, 1);
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += (time_t)(ms / 1000u);
  until.tv_nsec += (long)(ms % 1000u) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&g_mutex);
  while (!g_notified) {
    if (pthread_cond_timedwait(&g_cond, &g_mutex, &until) == ETIMEDOUT) break;
  }
  if (g_notified) atomic_fetch_add(&g_notified_idles, 1);
  g_notified = 0;
  pthread_mutex_unlock(&g_mutex);
}

void asyncore_lwip_raw_notify(void) {
  pthread_once(&g_cond_once, make_cond);
  pthread_mutex_lock(&g_mutex);
  g_notified = 1;
  pthread_cond_broadcast(&g_cond);
  pthread_mutex_unlock(&g_mutex);
}

u32_t asyncore_lwip_raw_protect(void) { return 0; }

void asyncore_lwip_raw_unprotect(u32_t token) { (void)token; }
