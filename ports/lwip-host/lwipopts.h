// SPDX-License-Identifier: MIT
/* lwipopts.h for lwIP 2.1 on a Linux host (the lwip-host leg): lwIP's own
 * TCP/IP stack in the process, on its tcpip thread (Debian's pthreads port,
 * port/sys_arch.c), with the loopback interface (127.0.0.1 and ::1) as the only
 * network. The conformance suite runs over it.
 *
 * What asyncore needs from any lwipopts.h (src/lwip refuses to build
 * otherwise): LWIP_SOCKET 1, LWIP_COMPAT_SOCKETS 0, LWIP_SOCKET_SELECT and/or
 * LWIP_SOCKET_POLL 1, and errno from the C library (arch/cc.h). Recommended:
 * SO_REUSE 1 (set_reuse_addr), LWIP_NETIF_LOOPBACK + LWIP_HAVE_LOOPIF for
 * loopback tests, MEMP_NUM_NETCONN as large as the number of channels plus
 * the connections waiting in listen backlogs. This file is read by C and C++:
 * declarations are inside extern "C". */
#ifndef ASYNCORE_PORT_LWIP_HOST_LWIPOPTS_H
#define ASYNCORE_PORT_LWIP_HOST_LWIPOPTS_H

#define NO_SYS                      0   /* tcpip thread + sys_arch (pthreads) */
#define LWIP_SOCKET                 1
#define LWIP_NETCONN                1
#define LWIP_SOCKET_SELECT          1   /* backend::select */
#define LWIP_SOCKET_POLL            1   /* backend::poll */
#define LWIP_COMPAT_SOCKETS         0   /* no socket()/connect()/close() macros */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#ifndef LWIP_SOCKET_OFFSET              /* -DLWIP_SOCKET_OFFSET=n tests other offsets */
#define LWIP_SOCKET_OFFSET          0   /* first descriptor is 0: invalid_handle is -1 */
#endif
/* One semaphore per thread for the sockets API. Without it lwip_select and
 * lwip_poll create and free a semaphore on every call (and so does every
 * netconn call, in its netconn), so each loop iteration would allocate; with
 * it they use the calling thread's, created once (thread_sem.c provides
 * LWIP_NETCONN_THREAD_SEM_GET/ALLOC/FREE, declared at the end of this file;
 * Debian's unix port has none). */
#define LWIP_NETCONN_SEM_PER_THREAD 1
#define SO_REUSE                    1
#define LWIP_SO_RCVTIMEO            1
#define LWIP_SO_SNDTIMEO            1
#define LWIP_SO_RCVBUF              1
#define LWIP_SO_LINGER              1
#define LWIP_TCP_KEEPALIVE          1
#define LWIP_FIONREAD_LINUXMODE     1
#define LWIP_TCPIP_CORE_LOCKING     1
#define LWIP_NETIF_API              1

#define LWIP_IPV4                   1
#define LWIP_IPV6                   1   /* ::1 on the loopback interface */
#define LWIP_IPV6_MLD               0
#define LWIP_IPV6_AUTOCONFIG        0
#define LWIP_IPV6_DHCP6             0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_ND6_ALLOW_RA_UPDATES   0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_RAW                    0
#define LWIP_ICMP                   1
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0   /* address::resolve takes numeric hosts */
#define LWIP_ARP                    0
#define LWIP_ETHERNET               0

#define LWIP_NETIF_LOOPBACK         1   /* packets to one's own address are looped */
#define LWIP_HAVE_LOOPIF            1   /* lwip_init() adds "lo": 127.0.0.1 and ::1 */
#define LWIP_LOOPBACK_MAX_PBUFS     0   /* no limit on queued loopback packets */

/* Resources. MEMP_NUM_NETCONN is the number of sockets (descriptors 0..63);
 * it also bounds FD_SETSIZE when lwIP's own fd_set is used (glibc's is 1024). */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (4 * 1024 * 1024)
#define MEMP_NUM_NETCONN            64
#define MEMP_NUM_TCP_PCB            64
#define MEMP_NUM_TCP_PCB_LISTEN     32
#define MEMP_NUM_UDP_PCB            32
#define MEMP_NUM_TCP_SEG            1024
#define MEMP_NUM_NETBUF             64
#define MEMP_NUM_PBUF               256
#define MEMP_NUM_TCPIP_MSG_API      64
#define MEMP_NUM_TCPIP_MSG_INPKT    256
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE              256
#define TCP_MSS                     1460
#define TCP_WND                     (44 * TCP_MSS)   /* < 64 KiB: no window scaling */
#define TCP_SND_BUF                 (44 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG          1
#define TCP_OVERSIZE                TCP_MSS

/* Mailbox sizes (the unix port ignores them; RTOS ports need them > 0). */
#define TCPIP_MBOX_SIZE             256
#define DEFAULT_TCP_RECVMBOX_SIZE   256
#define DEFAULT_UDP_RECVMBOX_SIZE   64
#define DEFAULT_RAW_RECVMBOX_SIZE   16
#define DEFAULT_ACCEPTMBOX_SIZE     64
#define TCPIP_THREAD_STACKSIZE      0
#define TCPIP_THREAD_PRIO           1
#define LWIP_STATS                  0

#if !NO_SYS
#ifdef __cplusplus
extern "C" {
#endif
/* Core-locking hooks of Debian's port/sys_arch.c (from contrib/ports/unix). */
void sys_check_core_locking(void);
#define LWIP_ASSERT_CORE_LOCKED()  sys_check_core_locking()
void sys_mark_tcpip_thread(void);
#define LWIP_MARK_TCPIP_THREAD()   sys_mark_tcpip_thread()
#if LWIP_TCPIP_CORE_LOCKING
void sys_lock_tcpip_core(void);
#define LOCK_TCPIP_CORE()          sys_lock_tcpip_core()
void sys_unlock_tcpip_core(void);
#define UNLOCK_TCPIP_CORE()        sys_unlock_tcpip_core()
#endif

/* ports/lwip-host/thread_sem.c: the calling thread's semaphore for
 * LWIP_NETCONN_SEM_PER_THREAD (created on its first use, freed when the
 * thread ends). The pointer is a sys_sem_t * (void * here: lwipopts.h comes
 * before arch/sys_arch.h, which defines the type). */
void *asyncore_lwip_thread_sem(void);
void asyncore_lwip_thread_sem_free(void);
#define LWIP_NETCONN_THREAD_SEM_GET()   ((sys_sem_t *)asyncore_lwip_thread_sem())
#define LWIP_NETCONN_THREAD_SEM_ALLOC() ((void)asyncore_lwip_thread_sem())
#define LWIP_NETCONN_THREAD_SEM_FREE()  asyncore_lwip_thread_sem_free()

/* ports/lwip-host/start.c: starts the stack once (tcpip_init, waiting for its
 * callback) and checks that loopback is up. asyncore's lwIP layer calls it
 * before the first socket, so programs on the host need no set-up code.
 * Firmware does not define this hook: it starts lwIP itself. */
void asyncore_lwip_host_start(void);
#define ASYNCORE_LWIP_ENSURE_STARTED() asyncore_lwip_host_start()
#ifdef __cplusplus
}
#endif
#endif

#endif /* ASYNCORE_PORT_LWIP_HOST_LWIPOPTS_H */
