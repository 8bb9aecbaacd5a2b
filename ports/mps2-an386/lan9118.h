// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: an lwIP netif for the SMSC LAN9118
 * Ethernet controller (the MPS2 FPGA images' LAN9220 is its software-
 * compatible sibling), as QEMU's mps2-an385/386/500 machines model it: 32-bit
 * registers at 0x40200000, interrupt line 13.
 *
 * Receiving is polled from the loop (lan9118_poll, called by the raw
 * platform's service hook); the controller's interrupt only wakes the CPU
 * from WFI: its handler acknowledges the "RX status FIFO level" interrupt and
 * sets a flag, it never touches lwIP. Sending copies the frame into the TX
 * FIFO at once (lwIP's linkoutput). */
#ifndef ASYNCORE_PORT_MPS2_AN386_LAN9118_H
#define ASYNCORE_PORT_MPS2_AN386_LAN9118_H

#include "lwip/err.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

/** netif_add()'s init function: resets the controller, checks its identity
 *  (ID_REV 0x0118, BYTE_TEST), takes the MAC address it loaded from its
 *  EEPROM (QEMU: -nic ...,mac=), reads the link from the PHY, enables the
 *  transmitter, the receiver and the receive interrupt. ERR_IF when no
 *  LAN9118 answers. */
err_t lan9118_init(struct netif *netif);

/** Moves every frame the controller has received into lwIP (netif->input).
 *  Loop context only. Returns the number of frames passed on. */
int lan9118_poll(struct netif *netif);

/** The interrupt handler (vector 16 + 13): acknowledges, sets the event flag
 *  (board.c's `mps2_event`), nothing else. */
void ETHERNET_IRQHandler(void);

/** Counters since lan9118_init (frames received, dropped for want of a pbuf
 *  or as malformed, sent, dropped because the TX FIFO did not drain;
 *  receive interrupts). */
struct lan9118_stats {
  unsigned long rx, rx_dropped, tx, tx_dropped;
  volatile unsigned long irqs;
};
extern struct lan9118_stats lan9118_stats;

#ifdef __cplusplus
}
#endif

#endif /* ASYNCORE_PORT_MPS2_AN386_LAN9118_H */
