// SPDX-License-Identifier: MIT
/* asyncore for C++, lwIP host port: one semaphore per thread for lwIP's
 * sockets API (LWIP_NETCONN_SEM_PER_THREAD 1 in lwipopts.h).
 *
 * With it, a blocking netconn call and every lwip_select / lwip_poll wait on
 * the calling thread's semaphore instead of creating one (sys_sem_new, a
 * malloc in the pthreads port) and freeing it again: an event loop's
 * iteration allocates nothing. lwIP asks for the semaphore through
 * LWIP_NETCONN_THREAD_SEM_GET(); any thread may call the sockets API without
 * registering first, so the first request of a thread creates it. It is
 * kept in a pthread key whose destructor frees it when the thread ends
 * (LWIP_NETCONN_THREAD_SEM_FREE, through lwip_socket_thread_cleanup(), frees
 * it earlier). */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void free_sem(void *p) {
  sys_sem_t *sem = (sys_sem_t *)p;
  if (sem == NULL) return;
  if (sys_sem_valid(sem)) sys_sem_free(sem);
  free(sem);
}

static void make_key(void) {
  if (pthread_key_create(&g_key, free_sem) != 0) {
    fprintf(stderr, "asyncore lwip-host: pthread_key_create failed\n");
    abort();
  }
}

void *asyncore_lwip_thread_sem(void) {
  sys_sem_t *sem;
  pthread_once(&g_once, make_key);
  sem = (sys_sem_t *)pthread_getspecific(g_key);
  if (sem != NULL) return sem;
  sem = (sys_sem_t *)malloc(sizeof *sem);
  if (sem == NULL || sys_sem_new(sem, 0) != ERR_OK || pthread_setspecific(g_key, sem) != 0) {
    fprintf(stderr, "asyncore lwip-host: cannot create the thread's lwIP semaphore\n");
    abort();
  }
  return sem;
}

void asyncore_lwip_thread_sem_free(void) {
  sys_sem_t *sem;
  pthread_once(&g_once, make_key);
  sem = (sys_sem_t *)pthread_getspecific(g_key);
  if (sem == NULL) return;
  pthread_setspecific(g_key, NULL);
  free_sem(sem);
}
