// SPDX-License-Identifier: MIT
/* lwipopts.h for the MPS2-AN386 board (Cortex-M4, LAN9118 Ethernet) with
 * lwIP's raw API and no OS (NO_SYS 1): asyncore's bare-metal platform
 * (ASYNCORE_LWIP_API=raw, src/lwip/raw).
 *
 * What the raw platform needs from any board's lwipopts.h (raw.hpp checks):
 *   NO_SYS 1, LWIP_TCP 1, LWIP_UDP 1, LWIP_TIMERS 1, TCP_LISTEN_BACKLOG 1
 *   (connections waiting in a listener's queue count against its backlog),
 *   SYS_LIGHTWEIGHT_PROT 0 (nothing outside the loop calls lwIP), and
 *   ASYNCORE_LWIP_RAW_MAX_HANDLES for the size of the handle table (one per
 *   socket, plus one per socket_map for its wake-up).
 *
 * This board: IPv4 on the LAN9118 (10.0.2.15, board.c) and on lwIP's
 * loopback interface (127.0.0.1: the on-device conformance tests, and a
 * program talking to itself). Sized for the tests of ci/mps2-qemu: 8
 * connections at once with full windows beside a listener, 8 idle ones for
 * the RAM measurement, and the on-device suite (whose pairs of connections
 * leave pcbs in TIME_WAIT, which lwIP recycles when its pool runs out).
 * The board has 4 MiB of RAM; lwIP's pools below take about 200 KiB. */
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
#define LWIP_DHCP                   0   /* a static address: QEMU user networking's 10.0.2.15 */
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define LWIP_STATS                  0
#define SO_REUSE                    1
#define LWIP_TCP_KEEPALIVE          1
#define LWIP_NETIF_LOOPBACK         1   /* packets to one's own address are looped */
#define LWIP_HAVE_LOOPIF            1   /* lwip_init() adds "lo0": 127.0.0.1 */
#define LWIP_LOOPBACK_MAX_PBUFS     0

#define MEM_ALIGNMENT               4
#define MEM_SIZE                    (128 * 1024)
#define MEMP_NUM_TCP_PCB            24
#define MEMP_NUM_TCP_PCB_LISTEN     8
#define MEMP_NUM_UDP_PCB            8
#define MEMP_NUM_TCP_SEG            512
#define MEMP_NUM_PBUF               64
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE              64
/* The receive window is what the host may have in flight towards the board,
 * per connection, and QEMU's LAN9118 drops what does not fit its 10 KiB RX
 * FIFO when the user network delivers a burst (every connection's window at
 * once): 8 connections x 2 segments of 536 bytes fit, full-size segments
 * lost frames to the FIFO and waited for retransmission timeouts (an 8 x
 * 64 KiB echo took 10 to 60 s instead of well under one). */
#define TCP_MSS                     536
#define TCP_WND                     (2 * TCP_MSS)
#define TCP_SND_BUF                 (16 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG          1
#define LWIP_CHECKSUM_ON_COPY       1

/* asyncore's raw platform. */
#define ASYNCORE_LWIP_RAW_MAX_HANDLES   32
#define ASYNCORE_LWIP_RAW_MAX_DATAGRAMS 16

#endif /* ASYNCORE_PORT_MPS2_AN386_LWIPOPTS_H */
