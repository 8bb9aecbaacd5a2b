// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: time and the raw platform's hooks.
 *
 *   sys_now                   milliseconds from SysTick (25 MHz system clock)
 *   asyncore_lwip_raw_service polls the network interfaces (none yet: the
 *                             LAN9118 netif comes next)
 *   asyncore_lwip_raw_idle    WFI until an interrupt (SysTick ends it every
 *                             millisecond at the latest), interrupts masked
 *                             around the check so none is missed
 *   asyncore_lwip_raw_notify  nothing: the interrupt that called it ends WFI */
#include "lwip/opt.h"
#include "lwip/arch.h"

#include <stdint.h>

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define MPS2_SYSCLK_HZ 25000000u

static volatile uint32_t g_ms;

void SysTick_Handler(void) { g_ms++; }

void asyncore_board_init(void) {
  SYST_RVR = MPS2_SYSCLK_HZ / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

u32_t sys_now(void) { return g_ms; }

void asyncore_lwip_raw_service(void) {}

void asyncore_lwip_raw_idle(u32_t ms) {
  const uint32_t start = g_ms;
  while ((uint32_t)(g_ms - start) < ms) {
    __asm volatile("cpsid i" ::: "memory");
    __asm volatile("wfi");
    __asm volatile("cpsie i" ::: "memory");
    break; /* one interrupt: the loop looks at what it changed */
  }
}

void asyncore_lwip_raw_notify(void) {}
