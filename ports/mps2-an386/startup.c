// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: reset and vector table. Copies .data,
 * clears .bss, runs the C++ constructors, then main(). SysTick drives
 * sys_now (board.c); the LAN9118's interrupt (IRQ 13) joins the table with
 * the netif driver. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void __libc_init_array(void);
extern int main(void);
void SysTick_Handler(void); /* board.c */

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  __libc_init_array();
  main();
  for (;;) {
  }
}

static void Default_Handler(void) {
  for (;;) {
  }
}

#define VEC(f) ((uintptr_t)(f))
__attribute__((section(".isr_vector"), used)) static const uintptr_t g_vectors[16] = {
    VEC(&_estack),        /* initial stack pointer */
    VEC(Reset_Handler),
    VEC(Default_Handler), /* NMI */
    VEC(Default_Handler), /* HardFault */
    VEC(Default_Handler), /* MemManage */
    VEC(Default_Handler), /* BusFault */
    VEC(Default_Handler), /* UsageFault */
    0, 0, 0, 0,
    VEC(Default_Handler), /* SVCall */
    VEC(Default_Handler), /* DebugMon */
    0,
    VEC(Default_Handler), /* PendSV */
    VEC(SysTick_Handler),
};
