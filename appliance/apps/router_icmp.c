/*
 * router_icmp.c - ICMP errors from the router's forwarding path (RFC 792,
 * RFC 1812 4.3): time exceeded, destination unreachable (net, frag
 * needed with the next-hop MTU per RFC 1191). Built directly as a frame
 * and sent back to the previous hop, rate-limited to ICMP_RATE per
 * second. Never about ICMP errors, non-first fragments, or broadcast /
 * multicast / zero sources (RFC 1812 4.3.2.7).
 * Not here: echo (lwIP answers it for the router's own addresses).
 */
#include <stdatomic.h>
#include <string.h>

#include "lwip/def.h"
#include "route.h"
#include "router.h"

#define ICMP_RATE 100	/* per second, as lwIP's errors (rumptcpip/filters.c) */

static _Atomic uint64_t rate_window;	/* second of the current window */
static _Atomic uint32_t rate_count;

uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return lwip_htons((uint16_t)~sum);
}

static int rate_ok(void)
{
	uint64_t sec = hyp_clock_monotonic() / 1000000000ull;

	if (atomic_exchange(&rate_window, sec) != sec)
		atomic_store(&rate_count, 0);
	return atomic_fetch_add(&rate_count, 1) < ICMP_RATE;
}

static int may_answer(const uint8_t *ip, size_t len)
{
	uint32_t src;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	memcpy(&src, ip + 12, 4);
	if (src == 0 || (lwip_ntohl(src) >> 28) == 0xe || src == 0xffffffffu || route_is_local(src))
		return 0;
	if ((lwip_ntohs(*(const uint16_t *)(ip + 6)) & 0x1fff) != 0)
		return 0;	/* not the first fragment */
	if (ip[9] == 1 && len > ihl) {
		uint8_t t = ip[ihl];

		if (t != 0 && t != 8 && t != 13 && t != 15 && t != 17)
			return 0;	/* an ICMP error (or unknown) itself */
	}
	return 1;
}

void icmp_error(struct netif *in, const uint8_t *dst_mac, const uint8_t *ip, size_t len,
		uint8_t type, uint8_t code, uint16_t mtu)
{
	uint8_t frame[ETH_HLEN_ + 20 + 8 + 60 + 8];
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, quote = ihl + 8;
	uint32_t src = route_nic_addr(in->name[1] - '0');
	uint8_t *h = frame + ETH_HLEN_, *icmp = h + 20;
	static _Atomic uint16_t ip_id;
	uint16_t v;

	if (src == 0 || !may_answer(ip, len) || !rate_ok()) {
		atomic_fetch_add(&router_stats.dropped, 1);
		return;
	}
	if (quote > len)
		quote = len;
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, in->hwaddr, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	memset(h, 0, 28);
	h[0] = 0x45;
	h[1] = 0xc0;	/* internetwork control */
	v = lwip_htons((uint16_t)(20 + 8 + quote));
	memcpy(h + 2, &v, 2);
	v = lwip_htons(atomic_fetch_add(&ip_id, 1));
	memcpy(h + 4, &v, 2);
	h[8] = 64;
	h[9] = 1;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, ip + 12, 4);	/* back to the original source */
	v = inet_csum(h, 20);
	memcpy(h + 10, &v, 2);
	icmp[0] = type;
	icmp[1] = code;
	if (mtu != 0) {
		v = lwip_htons(mtu);
		memcpy(icmp + 6, &v, 2);
	}
	memcpy(icmp + 8, ip, quote);
	v = inet_csum(icmp, 8 + quote);
	memcpy(icmp + 2, &v, 2);
	struct hyp_iovec iov = { frame, ETH_HLEN_ + 28 + quote };
	if (hypif_xmit(in, &iov, 1) == 0)
		atomic_fetch_add(&router_stats.icmp_sent, 1);
}
