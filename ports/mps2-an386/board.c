// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: time, the network, and the raw
 * platform's hooks (src/lwip/raw/raw.hpp).
 *
 *   sys_now                   milliseconds from SysTick (25 MHz system clock,
 *                             one interrupt per millisecond)
 *   mps2_board_start          lwip_init(), the LAN9118 netif with a static
 *                             address (QEMU user networking's defaults: the
 *                             board is 10.0.2.15/24, the gateway 10.0.2.2)
 *                             as the default interface, lwIP's loopback
 *                             interface (127.0.0.1), the status responder
 *   asyncore_lwip_raw_service polls the LAN9118 (lan9118_poll) and the
 *                             loopback queue (netif_poll_all); loop context
 *   asyncore_lwip_raw_idle    sleeps with WFI until an interrupt that set the
 *                             event flag (the LAN9118 received a frame, a
 *                             notify) or `ms` milliseconds have passed
 *                             (SysTick wakes the CPU every millisecond to
 *                             count them); interrupts are masked between the
 *                             flag's check and WFI, so none is missed
 *   asyncore_lwip_raw_notify  sets the event flag (the raw platform's wake-up
 *                             signal calls it, also from an interrupt)
 *   asyncore_lwip_raw_protect masks interrupts (PRIMASK) around the map's
 *   asyncore_lwip_raw_unprotect locks, and restores what was masked before
 *   mps2_tick_hook            when set, SysTick_Handler calls it (tests post
 *                             from it: a real interrupt handler)
 *
 * Interrupt context (SysTick_Handler, ETHERNET_IRQHandler) counts time, sets
 * mps2_event, and may post to the loop (call_soon_threadsafe, request_exit);
 * lwIP and every handler run in the loop, in thread mode.
 *
 * The status responder: a UDP port (MPS2_STATUS_PORT, 7777) answers every
 * datagram with one line about the heap and the connections, for the host's
 * RAM-per-connection measurement (tests/mps2). It answers when the loop is
 * idle (asyncore_lwip_raw_idle), never from lwIP's input: that input also
 * runs inside an iteration (a close or a send in a handler services the
 * stack), where channels closed in that iteration are not yet freed, and an
 * answer from there would report a heap that is about to shrink. A request
 * that arrives while one is pending replaces it (its sender asks again):
 *     heap_in_use=N heap_arena=N tcp_active=N tcp_pcb_size=N rx=N rx_dropped=N tx=N irqs=N
 * heap_in_use is newlib's mallinfo().uordblks (the C++ objects a connection
 * allocates: its dispatcher, its buffers), tcp_active the pcbs on lwIP's
 * active list, tcp_pcb_size what one of them takes from lwIP's static pool,
 * rx/rx_dropped/tx/irqs the LAN9118 driver's counters. */
#include "lan9118.h"

#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef MPS2_STATUS_PORT
#define MPS2_STATUS_PORT 7777
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define MPS2_SYSCLK_HZ 25000000u

static volatile uint32_t g_ms;
volatile uint32_t mps2_event; /* set in interrupt context, cleared by the loop */
static struct netif g_eth;
static int g_eth_up;

void (*volatile mps2_tick_hook)(void);

void SysTick_Handler(void) {
  g_ms++;
  void (*hook)(void) = mps2_tick_hook;
  if (hook) hook();
}

u32_t sys_now(void) { return g_ms; }

void mps2_board_clock_start(void) {
  SYST_RVR = MPS2_SYSCLK_HZ / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

/* The request waiting for the loop to go idle (one: a newer one replaces it). */
static struct udp_pcb *g_status_pcb;
static ip_addr_t g_status_addr;
static u16_t g_status_port;
static int g_status_pending;

static void status_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port) {
  (void)arg;
  (void)pcb;
  pbuf_free(p);
  ip_addr_copy(g_status_addr, *addr);
  g_status_port = port;
  g_status_pending = 1;
}

static void status_answer(void) {
  if (!g_status_pending) return;
  g_status_pending = 0;
  const struct mallinfo mi = mallinfo();
  unsigned active = 0;
  for (struct tcp_pcb *t = tcp_active_pcbs; t != NULL; t = t->next) ++active;
  char line[192];
  const int n = snprintf(line, sizeof line,
                         "heap_in_use=%lu heap_arena=%lu tcp_active=%u tcp_pcb_size=%u rx=%lu rx_dropped=%lu tx=%lu irqs=%lu\n",
                         (unsigned long)mi.uordblks, (unsigned long)mi.arena, active,
                         (unsigned)sizeof(struct tcp_pcb), lan9118_stats.rx, lan9118_stats.rx_dropped,
                         lan9118_stats.tx, lan9118_stats.irqs);
  struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
  if (r == NULL) return;
  pbuf_take(r, line, (u16_t)n);
  udp_sendto(g_status_pcb, r, &g_status_addr, g_status_port);
  pbuf_free(r);
}

void mps2_board_start(void) {
  lwip_init(); /* LWIP_HAVE_LOOPIF: "lo0" is 127.0.0.1 */
  struct netif *lo = netif_find("lo0");
  if (lo) {
    netif_set_link_up(lo);
    netif_set_up(lo);
  }
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 10, 0, 2, 2);
  if (netif_add(&g_eth, &ip, &mask, &gw, NULL, lan9118_init, netif_input) == NULL) {
    fprintf(stderr, "mps2-an386: no network interface (LAN9118 not found); loopback only\n");
  } else {
    g_eth_up = 1;
    netif_set_default(&g_eth);
    netif_set_up(&g_eth);
    fprintf(stderr, "mps2-an386: lan9118 %02x:%02x:%02x:%02x:%02x:%02x, 10.0.2.15/24 via 10.0.2.2, link %s\n",
            g_eth.hwaddr[0], g_eth.hwaddr[1], g_eth.hwaddr[2], g_eth.hwaddr[3], g_eth.hwaddr[4],
            g_eth.hwaddr[5], netif_is_link_up(&g_eth) ? "up" : "down");
  }
  struct udp_pcb *status = udp_new();
  if (status && udp_bind(status, IP_ANY_TYPE, MPS2_STATUS_PORT) == ERR_OK) {
    g_status_pcb = status;
    udp_recv(status, status_recv, NULL);
  } else if (status) {
    udp_remove(status);
  }
}

void asyncore_lwip_raw_service(void) {
  mps2_event = 0; /* before reading: a frame that arrives meanwhile sets it again */
  if (g_eth_up) lan9118_poll(&g_eth);
  netif_poll_all(); /* the loopback queue */
}

void asyncore_lwip_raw_idle(u32_t ms) {
  status_answer(); /* the loop waits: what the last iteration closed is freed */
  const uint32_t start = g_ms;
  while ((uint32_t)(g_ms - start) < ms) {
    __asm volatile("cpsid i" ::: "memory");
    if (mps2_event) {
      __asm volatile("cpsie i" ::: "memory");
      return;
    }
    __asm volatile("wfi" ::: "memory"); /* a pending interrupt ends it, masked or not */
    __asm volatile("cpsie i" ::: "memory"); /* ... and runs here */
  }
}

void asyncore_lwip_raw_notify(void) { mps2_event = 1; }

u32_t asyncore_lwip_raw_protect(void) {
  uint32_t primask;
  __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}

void asyncore_lwip_raw_unprotect(u32_t token) { __asm volatile("msr primask, %0" ::"r"(token) : "memory"); }
