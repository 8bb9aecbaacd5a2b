// SPDX-License-Identifier: MIT
/* asyncore for C++, Cortex-M4 port: lwIP's sys_arch layer.
 *
 *   *** LINK-ONLY: THIS IS NOT AN RTOS PORT AND DOES NOT RUN. ***
 *
 * lwIP's sockets API needs an operating system (NO_SYS 0): threads,
 * semaphores, mutexes and mailboxes. No RTOS is packaged for this build, so
 * the functions below only give the firmware image every symbol lwIP needs,
 * with the right signatures, so that it links and its size can be measured.
 * Semaphores never block, mailboxes are always empty, no thread is started.
 * For a real board replace this file with your RTOS's sys_arch (FreeRTOS:
 * lwIP contrib's ports/freertos/sys_arch.c; Zephyr, ThreadX, CMSIS-RTOS2
 * ...), keeping arch/sys_arch.h's types in step. sys_now() is real: it counts
 * the 1 kHz SysTick interrupt of startup.c. */
#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/sys.h"

static volatile u32_t g_ticks; /* milliseconds, advanced by SysTick_Handler */
static u32_t g_handle = 1;     /* non-null "handles" so lwIP sees valid objects */

void SysTick_Handler(void) { g_ticks++; }

void sys_init(void) {}
u32_t sys_now(void) { return g_ticks; }

/* A Cortex-M critical section: PRIMASK saved and interrupts masked. */
sys_prot_t sys_arch_protect(void) {
  sys_prot_t primask;
  __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
  return primask;
}
void sys_arch_unprotect(sys_prot_t primask) { __asm volatile("msr primask, %0" ::"r"(primask) : "memory"); }

err_t sys_sem_new(sys_sem_t *sem, u8_t count) {
  LWIP_UNUSED_ARG(count);
  *sem = &g_handle;
  return ERR_OK;
}
void sys_sem_free(sys_sem_t *sem) { *sem = SYS_SEM_NULL; }
void sys_sem_signal(sys_sem_t *sem) { LWIP_UNUSED_ARG(sem); }
u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms) {
  LWIP_UNUSED_ARG(sem);
  LWIP_UNUSED_ARG(timeout_ms);
  return 0;
}

/* LWIP_NETCONN_SEM_PER_THREAD (lwipopts.h): the calling thread's semaphore,
 * created on its first use. No thread runs here, so there is one; a real
 * port keeps one per task in the task's thread-local storage and frees it
 * when the task is deleted. */
static sys_sem_t g_thread_sem = SYS_SEM_NULL;
void *asyncore_cm4_thread_sem(void) {
  if (g_thread_sem == SYS_SEM_NULL) sys_sem_new(&g_thread_sem, 0);
  return &g_thread_sem;
}
void asyncore_cm4_thread_sem_free(void) {
  if (g_thread_sem != SYS_SEM_NULL) sys_sem_free(&g_thread_sem);
}

err_t sys_mutex_new(sys_mutex_t *mutex) {
  *mutex = &g_handle;
  return ERR_OK;
}
void sys_mutex_free(sys_mutex_t *mutex) { *mutex = 0; }
void sys_mutex_lock(sys_mutex_t *mutex) { LWIP_UNUSED_ARG(mutex); }
void sys_mutex_unlock(sys_mutex_t *mutex) { LWIP_UNUSED_ARG(mutex); }

err_t sys_mbox_new(sys_mbox_t *mbox, int size) {
  LWIP_UNUSED_ARG(size);
  *mbox = &g_handle;
  return ERR_OK;
}
void sys_mbox_free(sys_mbox_t *mbox) { *mbox = SYS_MBOX_NULL; }
void sys_mbox_post(sys_mbox_t *mbox, void *msg) {
  LWIP_UNUSED_ARG(mbox);
  LWIP_UNUSED_ARG(msg);
}
err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg) {
  LWIP_UNUSED_ARG(mbox);
  LWIP_UNUSED_ARG(msg);
  return ERR_MEM;
}
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) { return sys_mbox_trypost(mbox, msg); }
u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms) {
  LWIP_UNUSED_ARG(mbox);
  LWIP_UNUSED_ARG(timeout_ms);
  if (msg) *msg = NULL;
  return SYS_ARCH_TIMEOUT;
}
u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg) {
  LWIP_UNUSED_ARG(mbox);
  if (msg) *msg = NULL;
  return SYS_MBOX_EMPTY;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio) {
  LWIP_UNUSED_ARG(name);
  LWIP_UNUSED_ARG(fn);
  LWIP_UNUSED_ARG(arg);
  LWIP_UNUSED_ARG(stacksize);
  LWIP_UNUSED_ARG(prio);
  return 0;
}
