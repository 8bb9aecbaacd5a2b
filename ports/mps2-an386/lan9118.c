// SPDX-License-Identifier: MIT
/* asyncore for C++, MPS2-AN386 port: the LAN9118 netif (lan9118.h).
 *
 * Register facts (SMSC LAN9118 data sheet; QEMU's hw/net/lan9118.c):
 *   RX data FIFO 0x00, TX data FIFO 0x20, RX status FIFO 0x40, TX status
 *   FIFO 0x48; ID_REV 0x50 (0x0118 in the high half), IRQ_CFG 0x54, INT_STS
 *   0x58 (write 1 to clear), INT_EN 0x5c, BYTE_TEST 0x64 (0x87654321),
 *   FIFO_INT 0x68, RX_CFG 0x6c, TX_CFG 0x70, HW_CFG 0x74 (bit 0 soft reset),
 *   RX_FIFO_INF 0x7c (23:16 status words used), TX_FIFO_INF 0x80 (23:16 TX
 *   status used, 15:0 data bytes free), PMT_CTRL 0x84 (bit 0 ready),
 *   MAC_CSR_CMD 0xa4 / MAC_CSR_DATA 0xa8 (indirect MAC registers: 1 MAC_CR,
 *   2 ADDRH, 3 ADDRL, 6 MII_ACC, 7 MII_DATA; bit 31 busy, bit 30 read).
 *   An RX status word: 29:16 frame length with its 4-byte FCS, bit 15 error.
 *   A TX frame: command A (13 first segment, 12 last segment, 10:0 bytes),
 *   command B (31:16 tag, 10:0 frame length), then the data in words.
 *   IRQ_CFG: bit 8 enables the pin, bits 4 and 0 make it active-high
 *   push-pull (QEMU's line is active-low otherwise). */
#include "lan9118.h"

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/snmp.h"
#include "netif/ethernet.h"

#include <stdint.h>
#include <stdio.h>

#define LAN_BASE 0x40200000u
#define REG(off) (*(volatile uint32_t *)(LAN_BASE + (off)))

#define RX_DATA_FIFO 0x00u
#define TX_DATA_FIFO 0x20u
#define RX_STATUS_FIFO 0x40u
#define TX_STATUS_FIFO 0x48u
#define ID_REV 0x50u
#define IRQ_CFG 0x54u
#define INT_STS 0x58u
#define INT_EN 0x5cu
#define BYTE_TEST 0x64u
#define FIFO_INT 0x68u
#define RX_CFG 0x6cu
#define TX_CFG 0x70u
#define HW_CFG 0x74u
#define RX_FIFO_INF 0x7cu
#define TX_FIFO_INF 0x80u
#define PMT_CTRL 0x84u
#define MAC_CSR_CMD 0xa4u
#define MAC_CSR_DATA 0xa8u

#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_MII_ACC 6u
#define MAC_MII_DATA 7u

#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define CSR_BUSY (1u << 31)
#define CSR_READ (1u << 30)
#define IRQ_CFG_EN (1u << 8)
#define IRQ_CFG_POL (1u << 4)
#define IRQ_CFG_TYPE (1u << 0)
#define INT_RSFL (1u << 3)
#define TX_CFG_ON (1u << 1)
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST (1u << 12)
#define RX_STS_ERROR (1u << 15)

#define PHY_ADDR 1u
#define PHY_BSR 1u
#define PHY_BSR_LINK (1u << 2)

#define ETHERNET_IRQ 13u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define NVIC_ICPR0 (*(volatile uint32_t *)0xE000E280u)

/* Bounded waits: a register that never settles is an error, not a hang. */
#define SPIN_LIMIT 100000u

/* The largest frame: 1514 bytes without FCS (1500 MTU + 14 header). */
#define FRAME_MAX 1514u

struct lan9118_stats lan9118_stats;
extern volatile uint32_t mps2_event; /* board.c */

static int mac_wait(void) {
  for (uint32_t i = 0; i < SPIN_LIMIT; ++i)
    if (!(REG(MAC_CSR_CMD) & CSR_BUSY)) return 0;
  return -1;
}

static int mac_read(uint32_t reg, uint32_t *value) {
  if (mac_wait()) return -1;
  REG(MAC_CSR_CMD) = CSR_BUSY | CSR_READ | reg;
  if (mac_wait()) return -1;
  *value = REG(MAC_CSR_DATA);
  return 0;
}

static int mac_write(uint32_t reg, uint32_t value) {
  if (mac_wait()) return -1;
  REG(MAC_CSR_DATA) = value;
  REG(MAC_CSR_CMD) = CSR_BUSY | reg;
  return mac_wait();
}

static int phy_read(uint32_t reg, uint32_t *value) {
  uint32_t acc = 0;
  /* MII_ACC: 15:11 PHY address, 10:6 register, bit 1 write, bit 0 busy. */
  if (mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) | 1u)) return -1;
  for (uint32_t i = 0; i < SPIN_LIMIT; ++i) {
    if (mac_read(MAC_MII_ACC, &acc)) return -1;
    if (!(acc & 1u)) return mac_read(MAC_MII_DATA, value);
  }
  return -1;
}

void ETHERNET_IRQHandler(void) {
  const uint32_t pending = REG(INT_STS) & REG(INT_EN);
  REG(INT_STS) = pending; /* acknowledge: the frames stay in the FIFO for lan9118_poll */
  ++lan9118_stats.irqs;
  mps2_event = 1;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p) {
  static uint32_t frame[(FRAME_MAX + 3u) / 4u];
  (void)netif;
  if (p->tot_len > FRAME_MAX) {
    ++lan9118_stats.tx_dropped;
    return ERR_IF;
  }
  const uint32_t len = pbuf_copy_partial(p, frame, (u16_t)p->tot_len, 0);
  const uint32_t words = (len + 3u) / 4u;
  uint32_t i = 0;
  while ((REG(TX_FIFO_INF) & 0xffffu) < words * 4u + 8u) {
    if (++i == SPIN_LIMIT) {
      ++lan9118_stats.tx_dropped;
      return ERR_IF;
    }
  }
  REG(TX_DATA_FIFO) = TX_CMD_A_FIRST | TX_CMD_A_LAST | len;
  REG(TX_DATA_FIFO) = (len << 16) | len; /* the tag is the length: any value will do */
  for (i = 0; i < words; ++i) REG(TX_DATA_FIFO) = frame[i];
  /* The status words are not needed: drain them so the status FIFO never fills. */
  while ((REG(TX_FIFO_INF) >> 16) & 0xffu) (void)REG(TX_STATUS_FIFO);
  ++lan9118_stats.tx;
  return ERR_OK;
}

int lan9118_poll(struct netif *netif) {
  static uint32_t frame[(FRAME_MAX + 4u + 3u) / 4u];
  int n = 0;
  while ((REG(RX_FIFO_INF) >> 16) & 0xffu) {
    const uint32_t status = REG(RX_STATUS_FIFO);
    const uint32_t len = (status >> 16) & 0x3fffu; /* with the FCS */
    const uint32_t words = (len + 3u) / 4u;
    if ((status & RX_STS_ERROR) || len <= 4u || len > FRAME_MAX + 4u) {
      for (uint32_t i = 0; i < words; ++i) (void)REG(RX_DATA_FIFO); /* skip it */
      ++lan9118_stats.rx_dropped;
      continue;
    }
    for (uint32_t i = 0; i < words; ++i) frame[i] = REG(RX_DATA_FIFO);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4u), PBUF_POOL);
    if (p == NULL) {
      ++lan9118_stats.rx_dropped; /* TCP retransmits it */
      continue;
    }
    pbuf_take(p, frame, (u16_t)(len - 4u));
    if (netif->input(p, netif) != ERR_OK) {
      pbuf_free(p);
      ++lan9118_stats.rx_dropped;
      continue;
    }
    ++lan9118_stats.rx;
    ++n;
  }
  return n;
}

err_t lan9118_init(struct netif *netif) {
  uint32_t i, lo = 0, hi = 0, cr = 0, bsr = 0;
  for (i = 0; i < SPIN_LIMIT && !(REG(PMT_CTRL) & 1u); ++i) {
  }
  if ((REG(ID_REV) >> 16) != 0x0118u || REG(BYTE_TEST) != 0x87654321u) {
    fprintf(stderr, "lan9118: no controller at 0x%08lx (ID_REV 0x%08lx)\n", (unsigned long)LAN_BASE,
            (unsigned long)REG(ID_REV));
    return ERR_IF;
  }
  REG(HW_CFG) = 1u; /* soft reset */
  for (i = 0; i < SPIN_LIMIT && (REG(HW_CFG) & 1u); ++i) {
  }
  if (REG(HW_CFG) & 1u) return ERR_IF;
  if (mac_read(MAC_ADDRL, &lo) || mac_read(MAC_ADDRH, &hi)) return ERR_IF;
  netif->hwaddr_len = 6;
  netif->hwaddr[0] = (u8_t)lo;
  netif->hwaddr[1] = (u8_t)(lo >> 8);
  netif->hwaddr[2] = (u8_t)(lo >> 16);
  netif->hwaddr[3] = (u8_t)(lo >> 24);
  netif->hwaddr[4] = (u8_t)hi;
  netif->hwaddr[5] = (u8_t)(hi >> 8);
  netif->mtu = 1500;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->output = etharp_output;
  netif->linkoutput = linkoutput;

  REG(RX_CFG) = 0;         /* no offset, no end padding */
  REG(FIFO_INT) = 0;       /* RX status level 0: an interrupt from the first frame */
  REG(TX_CFG) = TX_CFG_ON;
  /* Full duplex, both directions; the reset's promiscuous mode off (own MAC and broadcast). */
  if (mac_read(MAC_CR, &cr) || mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN)) return ERR_IF;
  if (phy_read(PHY_BSR, &bsr) == 0 && (bsr & PHY_BSR_LINK)) netif->flags |= NETIF_FLAG_LINK_UP;

  REG(IRQ_CFG) = IRQ_CFG_EN | IRQ_CFG_POL | IRQ_CFG_TYPE;
  REG(INT_STS) = 0xffffffffu;
  REG(INT_EN) = INT_RSFL;
  NVIC_ICPR0 = 1u << ETHERNET_IRQ; /* the line was active before IRQ_CFG set its polarity */
  NVIC_ISER0 = 1u << ETHERNET_IRQ;
  return ERR_OK;
}
