// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: Arm semihosting calls (semihosting.h). */
#include "semihosting.h"

#include <stdint.h>

enum {
  SYS_OPEN = 0x01,
  SYS_WRITE = 0x05,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_Stopped_ApplicationExit = 0x20026,
};

static int call(int op, void *arg) {
  register int r0 __asm("r0") = op;
  register void *r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Host handles of ":tt" for stdout and stderr (-1: not opened yet). */
static int g_handle[3] = {-1, -1, -1};

static int tt_handle(int fd) {
  if (fd < 1 || fd > 2) return -1;
  if (g_handle[fd] < 0) {
    /* Modes: 4 is "w" (the host's stdout), 8 is "a" (its stderr). */
    uintptr_t args[3] = {(uintptr_t) ":tt", (uintptr_t)(fd == 1 ? 4 : 8), 3};
    g_handle[fd] = call(SYS_OPEN, args);
  }
  return g_handle[fd];
}

int mps2_semihost_write(int fd, const void *buf, size_t len) {
  const int h = tt_handle(fd);
  if (h < 0) return -1;
  uintptr_t args[3] = {(uintptr_t)h, (uintptr_t)buf, (uintptr_t)len};
  const int left = call(SYS_WRITE, args); /* bytes NOT written */
  if (left < 0 || (size_t)left > len) return -1;
  return (int)(len - (size_t)left);
}

int mps2_semihost_cmdline(char *buf, size_t size) {
  if (size < 2) return -1;
  uintptr_t args[2] = {(uintptr_t)buf, (uintptr_t)(size - 1)};
  if (call(SYS_GET_CMDLINE, args) != 0) return -1;
  const size_t n = args[1] < size - 1 ? (size_t)args[1] : size - 1;
  buf[n] = '\0';
  return (int)n;
}

void mps2_semihost_exit(int status) {
  uintptr_t args[2] = {ADP_Stopped_ApplicationExit, (uintptr_t)(status & 0xff)};
  call(SYS_EXIT_EXTENDED, args);
  /* A host without SYS_EXIT_EXTENDED: the 32-bit SYS_EXIT reports only
   * success or failure. */
  call(SYS_EXIT, (void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit : 0x20024 /* RunTimeError */));
  for (;;) {
  }
}
