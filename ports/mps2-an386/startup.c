// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: reset, vector table, and the program's
 * start.
 *
 * Reset_Handler copies .data, clears .bss, starts SysTick, runs the C++
 * constructors, starts lwIP and the network (board.c), splits the
 * semihosting command line (QEMU: -kernel IMAGE -append "ARGS") into argv,
 * and calls the program's main(argc, argv) exactly as a hosted system would;
 * main's return value is the exit status qemu-system-arm returns (exit():
 * stdio flushed, then semihosting SYS_EXIT_EXTENDED).
 *
 * A fault (HardFault, MemManage, BusFault, UsageFault) prints its name and
 * the faulting address over semihosting and exits with status 3, so a
 * crashed firmware ends its emulation instead of hanging. */
#include "lan9118.h"
#include "semihosting.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void __libc_init_array(void);
extern int main(int argc, char **argv);
void SysTick_Handler(void);         /* board.c */
void mps2_board_clock_start(void);  /* board.c */
void mps2_board_start(void);        /* board.c */

#define MPS2_MAX_ARGS 32
static char g_cmdline[2048];
static char *g_argv[MPS2_MAX_ARGS + 1];

static int split_cmdline(void) {
  int argc = 0;
  if (mps2_semihost_cmdline(g_cmdline, sizeof g_cmdline) < 0) g_cmdline[0] = '\0';
  for (char *p = g_cmdline; *p && argc < MPS2_MAX_ARGS;) {
    while (*p == ' ') *p++ = '\0';
    if (!*p) break;
    g_argv[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  if (argc == 0) g_argv[argc++] = (char *)"firmware";
  g_argv[argc] = NULL;
  return argc;
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  mps2_board_clock_start();
  __libc_init_array();
  mps2_board_start();
  const int argc = split_cmdline();
  exit(main(argc, g_argv));
}

static void fault(const char *what) {
  /* The configurable fault status, the hard fault status and the fault
   * addresses (System Control Block). */
  const uint32_t cfsr = *(volatile uint32_t *)0xE000ED28u, hfsr = *(volatile uint32_t *)0xE000ED2Cu;
  const uint32_t mmfar = *(volatile uint32_t *)0xE000ED34u, bfar = *(volatile uint32_t *)0xE000ED38u;
  char msg[160];
  const int n = snprintf(msg, sizeof msg, "mps2-an386: %s (CFSR 0x%08lx HFSR 0x%08lx MMFAR 0x%08lx BFAR 0x%08lx)\n",
                         what, (unsigned long)cfsr, (unsigned long)hfsr, (unsigned long)mmfar, (unsigned long)bfar);
  if (n > 0) mps2_semihost_write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
  mps2_semihost_exit(3);
}

static void HardFault_Handler(void) { fault("hard fault"); }
static void MemManage_Handler(void) { fault("memory management fault"); }
static void BusFault_Handler(void) { fault("bus fault"); }
static void UsageFault_Handler(void) { fault("usage fault"); }
static void Default_Handler(void) { fault("unexpected interrupt"); }

#define VEC(f) ((uintptr_t)(f))
__attribute__((section(".isr_vector"), used)) static const uintptr_t g_vectors[16 + 32] = {
    VEC(&_estack), /* initial stack pointer */
    VEC(Reset_Handler),
    VEC(Default_Handler), /* NMI */
    VEC(HardFault_Handler),
    VEC(MemManage_Handler),
    VEC(BusFault_Handler),
    VEC(UsageFault_Handler),
    0, 0, 0, 0,
    VEC(Default_Handler), /* SVCall */
    VEC(Default_Handler), /* DebugMon */
    0,
    VEC(Default_Handler), /* PendSV */
    VEC(SysTick_Handler),
    /* External interrupts 0..31: only the Ethernet controller's (13) is used. */
#define D VEC(Default_Handler)
    D, D, D, D, D, D, D, D, D, D, D, D, D, /* 0..12 */
    VEC(ETHERNET_IRQHandler),              /* 13 */
    D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, /* 14..31 */
#undef D
};
