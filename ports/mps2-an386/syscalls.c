// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: the C runtime's system calls (newlib's
 * reentrant stubs), so that a program written for a hosted system runs here
 * unchanged and what the board cannot do fails cleanly:
 *
 *   write(1|2)        semihosting: the host's stdout and stderr
 *   read(0)           end of file (there is no console input)
 *   isatty/fstat      0, 1, 2 are character devices (stdout is line-buffered)
 *   sbrk              the heap: from the end of .bss up to the stack's
 *                     reserve (mps2-an386.ld), ENOMEM beyond
 *   open/stat/unlink  ENOENT, mkdir EROFS: there is no file system (fopen
 *                     gives NULL)
 *   kill/raise        a signal whose action is the default ends the program
 *                     with status 128 + the signal (SIGABRT: abort()); the
 *                     handlers a program installs with signal() are kept by
 *                     newlib and simply never called by anything but raise()
 *   fork/exec/wait    ENOSYS (no processes; no threads either: the library
 *                     runs in the one thread of the program)
 *   gettimeofday      seconds since boot (sys_now: there is no real-time clock)
 *   _exit             semihosting SYS_EXIT_EXTENDED: QEMU exits with the status */
#include "semihosting.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>

#undef errno
extern int errno;

extern char end;           /* first byte after .bss (mps2-an386.ld) */
extern char __heap_limit;  /* the stack's reserve starts here */
extern uint32_t sys_now(void);

int _write(int fd, const void *buf, size_t len) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  const int n = mps2_semihost_write(fd, buf, len);
  if (n < 0) {
    errno = EIO;
    return -1;
  }
  return n;
}

int _read(int fd, void *buf, size_t len) {
  (void)buf;
  (void)len;
  if (fd != 0) {
    errno = EBADF;
    return -1;
  }
  return 0;
}

int _close(int fd) {
  if (fd >= 0 && fd <= 2) return 0;
  errno = EBADF;
  return -1;
}

int _isatty(int fd) {
  if (fd >= 0 && fd <= 2) return 1;
  errno = EBADF;
  return 0;
}

int _fstat(int fd, struct stat *st) {
  if (fd < 0 || fd > 2) {
    errno = EBADF;
    return -1;
  }
  st->st_mode = S_IFCHR;
  st->st_blksize = 0;
  return 0;
}

int _lseek(int fd, int off, int whence) {
  (void)fd;
  (void)off;
  (void)whence;
  errno = ESPIPE;
  return -1;
}

void *_sbrk(ptrdiff_t incr) {
  static char *brk = &end;
  char *prev = brk;
  if (incr > 0 ? (size_t)(&__heap_limit - brk) < (size_t)incr : (size_t)(brk - &end) < (size_t)-incr) {
    errno = ENOMEM;
    return (void *)-1;
  }
  brk += incr;
  return prev;
}

int _open(const char *path, int flags, int mode) {
  (void)path;
  (void)flags;
  (void)mode;
  errno = ENOENT;
  return -1;
}

int _stat(const char *path, struct stat *st) {
  (void)path;
  (void)st;
  errno = ENOENT;
  return -1;
}

int _unlink(const char *path) {
  (void)path;
  errno = ENOENT;
  return -1;
}

int mkdir(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  errno = EROFS;
  return -1;
}

int _link(const char *from, const char *to) {
  (void)from;
  (void)to;
  errno = EMLINK;
  return -1;
}

int _getpid(void) { return 1; }

void _exit(int status) { mps2_semihost_exit(status); }

int _kill(int pid, int sig) {
  if (pid != 1) {
    errno = ESRCH;
    return -1;
  }
  if (sig == 0) return 0;
  /* The default action of every signal that reaches here ends the program. */
  static const char msg[] = "mps2-an386: terminated by a signal\n";
  mps2_semihost_write(2, msg, sizeof msg - 1);
  _exit(128 + sig);
  return -1; /* not reached */
}

int _fork(void) {
  errno = ENOSYS;
  return -1;
}

int _execve(const char *path, char *const argv[], char *const envp[]) {
  (void)path;
  (void)argv;
  (void)envp;
  errno = ENOSYS;
  return -1;
}

int _wait(int *status) {
  (void)status;
  errno = ECHILD;
  return -1;
}

int _gettimeofday(struct timeval *tv, void *tz) {
  (void)tz;
  if (tv) {
    const uint32_t ms = sys_now();
    tv->tv_sec = (time_t)(ms / 1000u);
    tv->tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
  }
  return 0;
}

clock_t _times(struct tms *t) {
  const clock_t now = (clock_t)sys_now();
  if (t) {
    t->tms_utime = now;
    t->tms_stime = 0;
    t->tms_cutime = 0;
    t->tms_cstime = 0;
  }
  return now;
}
