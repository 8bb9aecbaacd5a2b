// SPDX-License-Identifier: MIT
/* arch/cc.h for lwIP with NO_SYS 1 on a Linux host (the lwip-raw leg):
 * the C library's types, errno and byte order; diagnostics to stderr, a
 * failed assertion aborts. */
#ifndef ASYNCORE_PORT_LWIP_RAW_HOST_ARCH_CC_H
#define ASYNCORE_PORT_LWIP_RAW_HOST_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE  0

#define LWIP_PLATFORM_DIAG(x)   do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); abort(); } while (0)

#define LWIP_RAND() ((u32_t)rand())

#endif /* ASYNCORE_PORT_LWIP_RAW_HOST_ARCH_CC_H */
