// SPDX-License-Identifier: MIT
/* arch/cc.h for lwIP on Cortex-M4 with arm-none-eabi GCC and newlib.
 *
 * errno: lwIP sets newlib's errno (per task through newlib's reentrancy
 * structure when the RTOS switches _impure_ptr), so its E* values are
 * newlib's, which asyncore translates by name. struct timeval is newlib's. */
#ifndef ASYNCORE_PORT_CM4_ARCH_CC_H
#define ASYNCORE_PORT_CM4_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE  0

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

typedef uint32_t sys_prot_t;

/* No console on this board: diagnostics are dropped, a failed assertion
 * stops here (a debugger shows where). */
#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { for (;;) { } } while (0)

#endif /* ASYNCORE_PORT_CM4_ARCH_CC_H */
