// SPDX-License-Identifier: MIT
/* lwipopts.h for lwIP 2.1 with the raw API and no OS (NO_SYS 1) on a Linux
 * host: the lwip-raw leg. The stack runs in the loop's thread only; the
 * loopback interface (127.0.0.1 and ::1) is the only network, polled by the
 * loop's wait (port.c: asyncore_lwip_raw_service). The conformance suite
 * runs over it, as it would on a bare-metal board.
 *
 * What asyncore's raw platform needs from any lwipopts.h (src/lwip/raw
 * refuses to build otherwise): NO_SYS 1, LWIP_TCP 1, LWIP_UDP 1,
 * TCP_LISTEN_BACKLOG 1. Size MEMP_NUM_TCP_PCB for the connections plus the
 * ones in TIME_WAIT (lwIP recycles those), and ASYNCORE_LWIP_RAW_MAX_HANDLES
 * for the channels (each map that runs a loop takes one for its wake-up). */
#ifndef ASYNCORE_PORT_LWIP_RAW_HOST_LWIPOPTS_H
#define ASYNCORE_PORT_LWIP_RAW_HOST_LWIPOPTS_H

#define NO_SYS                      1   /* raw API, no threads into lwIP */
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_TIMERS                 1   /* sys_check_timeouts, from the loop's wait */
#define SO_REUSE                    1
#define LWIP_TCP_KEEPALIVE          1

#define LWIP_IPV4                   1
#define LWIP_IPV6                   1   /* ::1 on the loopback interface */
#define LWIP_IPV6_MLD               0
#define LWIP_IPV6_AUTOCONFIG        0
#define LWIP_IPV6_DHCP6             0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_ND6_ALLOW_RA_UPDATES   0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define IPV6_FRAG_COPYHEADER        1   /* 64-bit host: the reassembly helper does not fit the header */
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_RAW                    0
#define LWIP_ICMP                   1
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0   /* numeric hosts only */
#define LWIP_ARP                    0
#define LWIP_ETHERNET               0

#define LWIP_NETIF_LOOPBACK         1   /* packets to one's own address are looped */
#define LWIP_HAVE_LOOPIF            1   /* lwip_init() adds "lo": 127.0.0.1 and ::1 */
#define LWIP_LOOPBACK_MAX_PBUFS     0   /* no limit on queued loopback packets */

/* Resources: the suite opens up to a few dozen channels at once. */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (4 * 1024 * 1024)
#define MEMP_NUM_TCP_PCB            128
#define MEMP_NUM_TCP_PCB_LISTEN     32
#define MEMP_NUM_UDP_PCB            32
#define MEMP_NUM_TCP_SEG            1024
#define MEMP_NUM_PBUF               256
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE              256
#define TCP_MSS                     1460
#define TCP_WND                     (44 * TCP_MSS)   /* < 64 KiB: no window scaling */
#define TCP_SND_BUF                 (44 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG          1
#define TCP_OVERSIZE                TCP_MSS
#define LWIP_STATS                  0

/* asyncore's raw platform: the handle table. */
#define ASYNCORE_LWIP_RAW_MAX_HANDLES   64
#define ASYNCORE_LWIP_RAW_MAX_DATAGRAMS 64

#ifdef __cplusplus
extern "C" {
#endif
/* port.c: lwip_init() once, loopback up. asyncore's raw platform calls it
 * before the first handle, so host programs need no set-up code. */
void asyncore_lwip_raw_host_start(void);
#define ASYNCORE_LWIP_ENSURE_STARTED() asyncore_lwip_raw_host_start()
#ifdef __cplusplus
}
#endif

#endif /* ASYNCORE_PORT_LWIP_RAW_HOST_LWIPOPTS_H */
