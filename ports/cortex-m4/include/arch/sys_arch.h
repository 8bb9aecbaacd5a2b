// SPDX-License-Identifier: MIT
/* arch/sys_arch.h for lwIP on Cortex-M4: the RTOS object types lwIP's
 * sys_arch layer uses. They are opaque handles of the RTOS (a FreeRTOS
 * SemaphoreHandle_t / QueueHandle_t / TaskHandle_t, a CMSIS-RTOS2 id ...).
 * ports/cortex-m4/rtos_glue.c only links; see its header. */
#ifndef ASYNCORE_PORT_CM4_ARCH_SYS_ARCH_H
#define ASYNCORE_PORT_CM4_ARCH_SYS_ARCH_H

typedef void *sys_sem_t;
typedef void *sys_mutex_t;
typedef void *sys_mbox_t;
typedef void *sys_thread_t;

#define SYS_MBOX_NULL ((sys_mbox_t)0)
#define SYS_SEM_NULL  ((sys_sem_t)0)

#define sys_sem_valid(p)          ((p) != 0 && *(p) != 0)
#define sys_sem_set_invalid(p)    do { if ((p) != 0) { *(p) = 0; } } while (0)
#define sys_mutex_valid(p)        sys_sem_valid(p)
#define sys_mutex_set_invalid(p)  sys_sem_set_invalid(p)
#define sys_mbox_valid(p)         sys_sem_valid(p)
#define sys_mbox_set_invalid(p)   sys_sem_set_invalid(p)

#endif /* ASYNCORE_PORT_CM4_ARCH_SYS_ARCH_H */
