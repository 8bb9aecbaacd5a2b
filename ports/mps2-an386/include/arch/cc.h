// SPDX-License-Identifier: MIT
/* arch/cc.h for lwIP on the MPS2-AN386 board (arm-none-eabi GCC, newlib),
 * no OS. Diagnostics go to stderr (semihosting); a failed assertion prints
 * where and ends the program with status 134 (as abort() would). */
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

#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x)   do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
    fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
    exit(134); \
  } while (0)

#endif /* ASYNCORE_PORT_MPS2_AN386_ARCH_CC_H */
