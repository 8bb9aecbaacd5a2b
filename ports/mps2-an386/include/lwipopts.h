// SPDX-License-Identifier: MIT
/* lwipopts.h for the MPS2-AN386 board (Cortex-M4, LAN9118 Ethernet) with
 * lwIP's raw API and no OS (NO_SYS 1): asyncore's bare-metal platform
 * (ASYNCORE_LWIP_API=raw, src/lwip/raw). First step of the board port: the
 * library and lwIP are built for it and their sizes printed (ci/lwip-raw);
 * the startup code, the linker script and the LAN9118 netif come next.
 *
 * Sized for a handful of connections: 8 handles (a map's wake-up takes one),
 * 8 tcp pcbs (lwIP recycles those in TIME_WAIT), a 4-segment window. */
#ifndef ASYNCORE_PORT_MPS2_AN386_LWIPOPTS_H
#define ASYNCORE_PORT_MPS2_AN386_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_TIMERS                 1

#define LWIP_ETHERNET               1
#define LWIP_ARP                    1
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ICMP                   1
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_RAW                    0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define LWIP_STATS                  0
#define SO_REUSE                    1
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_HAVE_LOOPIF            0

#define MEM_ALIGNMENT               4
#define MEM_SIZE                    (16 * 1024)
#define MEMP_NUM_TCP_PCB            8
#define MEMP_NUM_TCP_PCB_LISTEN     2
#define MEMP_NUM_UDP_PCB            4
#define MEMP_NUM_TCP_SEG            32
#define PBUF_POOL_SIZE              16
#define TCP_MSS                     1460
#define TCP_WND                     (4 * TCP_MSS)
#define TCP_SND_BUF                 (4 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG          1
#define LWIP_CHECKSUM_ON_COPY       1

/* asyncore's raw platform. */
#define ASYNCORE_LWIP_RAW_MAX_HANDLES   8
#define ASYNCORE_LWIP_RAW_MAX_DATAGRAMS 4

#endif /* ASYNCORE_PORT_MPS2_AN386_LWIPOPTS_H */
