// SPDX-License-Identifier: MIT
/* lwipopts.h for a small Cortex-M4 board (e.g. 512 KiB flash, 128 KiB RAM)
 * running lwIP's sockets API on an RTOS, with asyncore on top.
 *
 * asyncore needs: LWIP_SOCKET 1 (so NO_SYS 0 and LWIP_NETCONN 1),
 * LWIP_COMPAT_SOCKETS 0, LWIP_SOCKET_SELECT and/or LWIP_SOCKET_POLL 1, and
 * errno from the C library (arch/cc.h). Size the pools for your channels:
 * every socket (listeners, accepted connections, connections waiting in a
 * listen backlog) takes one of MEMP_NUM_NETCONN; when they run out asyncore
 * reports asyncore::errc::descriptors_exhausted and keeps its listeners open.
 * This file is read by C and C++. */
#ifndef ASYNCORE_PORT_CM4_LWIPOPTS_H
#define ASYNCORE_PORT_CM4_LWIPOPTS_H

#define NO_SYS                      0
#define SYS_LIGHTWEIGHT_PROT        1
#define LWIP_SOCKET                 1
#define LWIP_NETCONN                1
/* One loop backend: the firmware runs asyncore's select backend
 * (lwip_select). LWIP_SOCKET_POLL 1 adds the poll backend (lwip_poll in lwIP
 * and src/lwip/poll_poller.cpp, about 1.3 KiB of asyncore's flash); a
 * firmware needs only one of the two. */
#define LWIP_SOCKET_SELECT          1
#define LWIP_SOCKET_POLL            0
#define LWIP_COMPAT_SOCKETS         0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_OFFSET          0
/* One semaphore per thread for the sockets API. Without it every
 * lwip_select and lwip_poll creates and deletes an RTOS semaphore (and every
 * netconn keeps one of its own), so each loop iteration would allocate on
 * the MCU; with it they use the calling thread's. The RTOS glue provides it
 * (rtos_glue.c: a real port keeps it in the task's thread-local storage,
 * e.g. FreeRTOS's pvTaskGetThreadLocalStoragePointer). */
#define LWIP_NETCONN_SEM_PER_THREAD 1
#ifdef __cplusplus
extern "C" {
#endif
/* sys_sem_t * as void *: arch/sys_arch.h, which defines it, comes later. */
void *asyncore_cm4_thread_sem(void);
void asyncore_cm4_thread_sem_free(void);
#ifdef __cplusplus
}
#endif
#define LWIP_NETCONN_THREAD_SEM_GET()   ((sys_sem_t *)asyncore_cm4_thread_sem())
#define LWIP_NETCONN_THREAD_SEM_ALLOC() ((void)asyncore_cm4_thread_sem())
#define LWIP_NETCONN_THREAD_SEM_FREE()  asyncore_cm4_thread_sem_free()
#define SO_REUSE                    1
#define LWIP_TCPIP_CORE_LOCKING     1
#define LWIP_NETIF_API              0
#define LWIP_STATS                  0
#define LWIP_DEBUG                  0

#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_RAW                    0
#define LWIP_ICMP                   1
#define LWIP_DHCP                   0   /* a real board turns DHCP (and ARP/ETHERNET) on */
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define LWIP_ARP                    0
#define LWIP_ETHERNET               0
#define LWIP_NETIF_LOOPBACK         1
#define LWIP_HAVE_LOOPIF            1
#define LWIP_LOOPBACK_MAX_PBUFS     8

/* Memory: about 24 KiB of lwIP heap and pools. */
#define MEM_ALIGNMENT               4
#define MEM_SIZE                    (12 * 1024)
#define MEMP_NUM_NETCONN            8   /* = sockets = descriptors 0..7 */
#define MEMP_NUM_TCP_PCB            6
#define MEMP_NUM_TCP_PCB_LISTEN     2
#define MEMP_NUM_UDP_PCB            2
#define MEMP_NUM_TCP_SEG            16
#define MEMP_NUM_NETBUF             4
#define MEMP_NUM_PBUF               8
#define MEMP_NUM_TCPIP_MSG_API      8
#define MEMP_NUM_TCPIP_MSG_INPKT    8
#define PBUF_POOL_SIZE              8
#define PBUF_POOL_BUFSIZE           LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_HLEN)
#define TCP_MSS                     536
#define TCP_WND                     (4 * TCP_MSS)
#define TCP_SND_BUF                 (2 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG          1

/* RTOS mailboxes and the tcpip thread (sizes are in messages / bytes). */
#define TCPIP_MBOX_SIZE             8
#define DEFAULT_TCP_RECVMBOX_SIZE   8
#define DEFAULT_UDP_RECVMBOX_SIZE   4
#define DEFAULT_RAW_RECVMBOX_SIZE   4
#define DEFAULT_ACCEPTMBOX_SIZE     4
#define TCPIP_THREAD_STACKSIZE      1024
#define TCPIP_THREAD_PRIO           3
#define DEFAULT_THREAD_STACKSIZE    1024

#endif /* ASYNCORE_PORT_CM4_LWIPOPTS_H */
