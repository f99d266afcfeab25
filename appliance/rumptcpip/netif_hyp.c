/*
 * netif_hyp.c - lwIP Ethernet netif over a hyper.h NIC (TAP on posix,
 * netfront on Xen). Keeps the names of lwIP's ethernetif skeleton:
 * low_level_init / low_level_output / low_level_input.
 *
 * RX: the platform's NIC thread calls hypif_rx() per frame. The frame
 *     goes first to the app's hook (router fast path) if any, else it
 *     is copied into a PBUF_POOL pbuf and fed to ethernet_input under
 *     the tcpip core lock, in that same thread: no per-frame message to
 *     the tcpip thread. Frames sent while handling it are queued with
 *     HYP_NIC_MORE and flushed once at the end.
 * TX: low_level_output() gathers the pbuf chain into at most 8 iovecs
 *     (bouncing longer chains) and sends under the NIC's tx lock, which
 *     hypif_xmit() shares, so the fast path and lwIP can send at once.
 * Not here: addressing (apps/netcfg.c), zero-copy receive.
 */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/snmp.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "rumptcpip.h"
#include "rumptcpip_hooks.h"

#define HYPIF_MAX 8

struct hypif {
	struct netif netif;
	int index;
	struct hyp_nic *nic;
	struct hyp_nic_info info;
	hypif_hook_fn hook;
	void *hook_arg;
	volatile int ready;	/* netif added: lwIP may have frames */
	struct hyp_mutex *tx_lock;	/* protects: hyp_nic_xmit on nic */
	uint8_t bounce[9018 + 4];	/* protected by tx_lock */
	uint64_t rx_drop;	/* no pbuf, not ready, or insane (racy count) */
	uint64_t tx_drop;	/* xmit refused */
	uint64_t defended_ns;	/* last address defence (core lock) */
};

static struct hypif *hypifs[HYPIF_MAX];
static int nhypifs;
/* Under the core lock: set while a received frame is processed, with
 * the NICs that got HYP_NIC_MORE frames meanwhile. */
static int in_rx;
static unsigned int deferred;

static int xmit_locked(struct hypif *hif, const struct hyp_iovec *iov, int n, int flags)
{
	int ret;

	hyp_mutex_lock(hif->tx_lock);
	ret = hyp_nic_xmit(hif->nic, iov, n, flags);
	hyp_mutex_unlock(hif->tx_lock);
	if (ret != 0)
		hif->tx_drop++;
	return ret;
}

/* Called with the core lock held (lwIP output path). */
static err_t low_level_output(struct netif *netif, struct pbuf *p)
{
	struct hypif *hif = netif->state;
	struct hyp_iovec iov[8];
	int n = 0, flags = 0, ret;

	if (rumptcpip_icmp_ratelimit(p)) {
		LINK_STATS_INC(link.drop);
		return ERR_OK;	/* ICMP error over the rate limit: dropped */
	}
	if (pbuf_clen(p) <= 8) {
		for (struct pbuf *q = p; q != NULL; q = q->next)
			if (q->len > 0)
				iov[n++] = (struct hyp_iovec){ q->payload, q->len };
	} else {
		hyp_mutex_lock(hif->tx_lock);
		if (p->tot_len > sizeof(hif->bounce)) {
			hyp_mutex_unlock(hif->tx_lock);
			return ERR_BUF;
		}
		pbuf_copy_partial(p, hif->bounce, p->tot_len, 0);
		iov[0] = (struct hyp_iovec){ hif->bounce, p->tot_len };
		ret = hyp_nic_xmit(hif->nic, iov, 1, 0);
		hyp_mutex_unlock(hif->tx_lock);
		goto done;
	}
	if (in_rx) {
		flags = HYP_NIC_MORE;
		deferred |= 1u << hif->index;
	}
	ret = xmit_locked(hif, iov, n, flags);
done:
	if (ret != 0) {
		LINK_STATS_INC(link.drop);
		return ERR_IF;
	}
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

/* Copy a received frame into a pbuf; NULL when the pool is empty. */
static struct pbuf *low_level_input(struct hypif *hif, struct hyp_frame *frame)
{
	struct pbuf *p;

	if (frame->len < SIZEOF_ETH_HDR || frame->len > 0xffff)
		return NULL;
	p = pbuf_alloc(PBUF_RAW, (u16_t)frame->len, PBUF_POOL);
	if (p == NULL) {
		hif->rx_drop++;
		LINK_STATS_INC(link.memerr);
		return NULL;
	}
	pbuf_take(p, frame->data, (u16_t)frame->len);
	LINK_STATS_INC(link.recv);
	return p;
}

static void flush_deferred(void)
{
	for (int i = 0; deferred != 0 && i < nhypifs; i++) {
		if (deferred & (1u << i)) {
			hyp_mutex_lock(hypifs[i]->tx_lock);
			hyp_nic_flush(hypifs[i]->nic);
			hyp_mutex_unlock(hypifs[i]->tx_lock);
		}
	}
	deferred = 0;
}

/* Frames no stack should accept: a group (multicast/broadcast) Ethernet
 * source, or an ARP packet whose sender hardware address is a group
 * address (cache poisoning, RFC 1812 3.3.2). */
static int frame_insane(const struct hyp_frame *frame)
{
	const uint8_t *f = frame->data;

	if (frame->len < SIZEOF_ETH_HDR || (f[6] & 1))
		return 1;
	return f[12] == 0x08 && f[13] == 0x06 && frame->len >= SIZEOF_ETH_HDR + 14 &&
	       (f[SIZEOF_ETH_HDR + 8] & 1);
}

/* RFC 5227 2.4 (b): an ARP packet from another MAC claiming our IPv4
 * address is answered with one gratuitous ARP (at most every 10 s), so
 * neighbours that took the claim get our MAC back. Core lock held. */
#define DEFEND_INTERVAL_NS (10ull * 1000000000ull)
static void defend_address(struct hypif *hif, const struct hyp_frame *frame)
{
	const uint8_t *f = frame->data;
	const ip4_addr_t *own = netif_ip4_addr(&hif->netif);
	uint64_t now;
	uint32_t spa;

	if (frame->len < SIZEOF_ETH_HDR + 28 || f[12] != 0x08 || f[13] != 0x06 ||
	    ip4_addr_isany(own))
		return;
	memcpy(&spa, f + SIZEOF_ETH_HDR + 14, 4);
	if (spa != ip4_addr_get_u32(own) ||
	    memcmp(f + SIZEOF_ETH_HDR + 8, hif->netif.hwaddr, ETH_HWADDR_LEN) == 0)
		return;
	now = hyp_clock_monotonic();
	if (hif->defended_ns != 0 && now - hif->defended_ns < DEFEND_INTERVAL_NS)
		return;
	hif->defended_ns = now;
	etharp_gratuitous(&hif->netif);
}

/* The NIC's rx callback. Called from: the platform's NIC thread. */
static void hypif_rx(void *arg, struct hyp_frame *frame)
{
	struct hypif *hif = arg;
	struct pbuf *p;

	if (!hif->ready || frame_insane(frame)) {
		hif->rx_drop++;
		hyp_nic_frame_done(hif->nic, frame);
		return;
	}
	if (hif->hook != NULL && hif->hook(&hif->netif, frame, hif->hook_arg))
		return;
	LOCK_TCPIP_CORE();
	defend_address(hif, frame);
	p = low_level_input(hif, frame);
	hyp_nic_frame_done(hif->nic, frame);
	if (p != NULL) {
		in_rx = 1;
		if (hif->netif.input(p, &hif->netif) != ERR_OK)
			pbuf_free(p);
		in_rx = 0;
		flush_deferred();
	}
	UNLOCK_TCPIP_CORE();
}

/* netif_add's init callback. Called with the core lock held. */
static err_t low_level_init(struct netif *netif)
{
	struct hypif *hif = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = (char)('0' + hif->index);
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = low_level_output;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, hif->info.mac, ETH_HWADDR_LEN);
	netif->mtu = hif->info.mtu;
	netif->mtu6 = hif->info.mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		       NETIF_FLAG_IGMP | NETIF_FLAG_MLD6 | NETIF_FLAG_LINK_UP;
	MIB2_INIT_NETIF(netif, snmp_ifType_ethernet_csmacd, 0);
	return ERR_OK;
}

int hypif_open(int index, const uint8_t *mac, uint16_t mtu,
	       hypif_hook_fn hook, void *hook_arg, struct netif **out)
{
	struct hypif *hif;
	int ret;

	if (nhypifs >= HYPIF_MAX)
		return HYP_EINVAL;
	hif = hyp_calloc(1, sizeof(*hif));
	if (hif == NULL)
		return HYP_ENOMEM;
	hif->index = nhypifs;
	hif->hook = hook;
	hif->hook_arg = hook_arg;
	ret = hyp_mutex_create(&hif->tx_lock);
	if (ret != 0)
		goto free_hif;
	ret = hyp_nic_open(index, hypif_rx, hif, &hif->nic, &hif->info);
	if (ret != 0)
		goto free_lock;
	if (mac != NULL)
		memcpy(hif->info.mac, mac, 6);
	if (mtu != 0)
		hif->info.mtu = mtu;
	LOCK_TCPIP_CORE();
	netif_add(&hif->netif, NULL, NULL, NULL, hif, low_level_init, ethernet_input);
	netif_set_up(&hif->netif);
	UNLOCK_TCPIP_CORE();
	hypifs[nhypifs++] = hif;
	hif->ready = 1;
	*out = &hif->netif;
	return 0;
free_lock:
	hyp_mutex_destroy(hif->tx_lock);
free_hif:
	hyp_free(hif);
	return ret;
}

int hypif_xmit(struct netif *netif, const struct hyp_iovec *iov, int iovcnt)
{
	return xmit_locked(netif->state, iov, iovcnt, 0);
}

void hypif_frame_done(struct netif *netif, struct hyp_frame *frame)
{
	struct hypif *hif = netif->state;

	hyp_nic_frame_done(hif->nic, frame);
}

void hypif_counters(struct netif *netif, struct hyp_nic_counters *c)
{
	struct hypif *hif = netif->state;

	hyp_nic_get_counters(hif->nic, c);
}

const char *hypif_name(struct netif *netif)
{
	return ((struct hypif *)netif->state)->info.name;
}

int hypif_count(void)
{
	return nhypifs;
}

struct netif *hypif_get(int i)
{
	return i >= 0 && i < nhypifs ? &hypifs[i]->netif : NULL;
}
