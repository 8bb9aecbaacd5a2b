// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: Arm semihosting (the "BKPT 0xAB"
 * interface of the Arm semihosting specification, v2), as QEMU implements it
 * with -semihosting-config enable=on,target=native.
 *
 * What the board uses it for:
 *   - stdout and stderr: SYS_OPEN of ":tt" (mode "w" is the host's standard
 *     output, "a" its standard error), then SYS_WRITE;
 *   - the command line: SYS_GET_CMDLINE (QEMU builds it from -kernel and
 *     -append), split into argc/argv for the program's main();
 *   - the exit status: SYS_EXIT_EXTENDED (ADP_Stopped_ApplicationExit with
 *     the status), so qemu-system-arm exits with the program's status.
 * Every call traps into the debugger (QEMU); without one attached a real
 * board stops at the BKPT. */
#ifndef ASYNCORE_PORT_MPS2_AN386_SEMIHOSTING_H
#define ASYNCORE_PORT_MPS2_AN386_SEMIHOSTING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Writes `len` bytes to the host's standard output (fd 1) or standard error
 *  (fd 2). Returns the number of bytes written, or -1. */
int mps2_semihost_write(int fd, const void *buf, size_t len);

/** The command line QEMU passes (-kernel IMAGE -append "ARGS": "IMAGE ARGS"),
 *  NUL-terminated in `buf`. Returns its length, or -1 if there is none or it
 *  does not fit. */
int mps2_semihost_cmdline(char *buf, size_t size);

/** Ends the emulation: qemu-system-arm exits with `status` (0..255). */
void mps2_semihost_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* ASYNCORE_PORT_MPS2_AN386_SEMIHOSTING_H */
