// SPDX-License-Identifier: MIT
/* arch/cc.h for lwIP on the MPS2-AN386 board (arm-none-eabi GCC, newlib),
 * no OS. Diagnostics are dropped for now (semihosting output comes with the
 * board's start-up code); a failed assertion stops here. */
#ifndef ASYNCORE_PORT_MPS2_AN386_ARCH_CC_H
#define ASYNCORE_PORT_MPS2_AN386_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE  0

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

typedef uint32_t sys_prot_t;

#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { for (;;) { } } while (0)

#endif /* ASYNCORE_PORT_MPS2_AN386_ARCH_CC_H */
