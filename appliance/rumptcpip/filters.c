/*
 * filters.c - checks lwIP 2.1 leaves out, added through its hooks:
 *   - rumptcpip_ip4_input (LWIP_HOOK_IP4_INPUT): drop UDP datagrams whose
 *     length field disagrees with the IP payload (RFC 768), before lwIP
 *     would answer them with port unreachable;
 *   - rumptcpip_tcp_inpkt (LWIP_HOOK_TCP_INPACKET_PCB): drop segments
 *     without ACK, RST or SYN on a synchronized connection (RFC 9293
 *     3.10.7.4, "if the ACK bit is off, drop the segment");
 *   - rumptcpip_icmp_ratelimit (netif_hyp.c's output): ICMP and ICMPv6
 *     error messages go out at most ICMP_RATE per second with a burst of
 *     ICMP_BURST (RFC 1812 4.3.2.8, RFC 4443 2.4(f)).
 * All run under the core lock. Not here: the router's own forwarding
 * checks (apps/router_fwd.c).
 */
#include "lwip/ip4.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "rumptcpip_hooks.h"

#define ICMP_RATE  100	/* tokens per second */
#define ICMP_BURST 100

static uint64_t bucket_ns;	/* time the bucket was last refilled */
static uint32_t tokens = ICMP_BURST;

int rumptcpip_ip4_input(struct pbuf *p, struct netif *inp)
{
	uint8_t h[28];
	size_t ihl, tot;
	uint16_t ulen;

	if (pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h) || (h[0] >> 4) != 4)
		return 0;	/* short or not v4: lwIP's own checks apply */
	ihl = (size_t)(h[0] & 0xf) * 4;
	tot = (size_t)(h[2] << 8 | h[3]);
	if (h[9] != IP_PROTO_UDP || ihl != 20 || (h[6] & 0x3f) != 0 || h[7] != 0)
		return 0;	/* only unfragmented UDP without options */
	ulen = (uint16_t)(h[24] << 8 | h[25]);
	if (tot > p->tot_len || tot < ihl + 8 || (ulen >= 8 && ulen <= tot - ihl))
		return 0;
	pbuf_free(p);
	return 1;
}

err_t rumptcpip_tcp_inpkt(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen,
			  u16_t opt1len, u8_t *opt2, struct pbuf *p)
{
	u8_t flags = TCPH_FLAGS(hdr);

	if (pcb->state == LISTEN || pcb->state == SYN_SENT || pcb->state == CLOSED)
		return ERR_OK;
	return (flags & (TCP_ACK | TCP_RST | TCP_SYN)) ? ERR_OK : ERR_ABRT;
}

static int is_icmp_error(const uint8_t *f, size_t len)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	if (type == ETHTYPE_IP && len >= SIZEOF_ETH_HDR + 21) {
		size_t ihl = (size_t)(f[14] & 0xf) * 4;
		uint8_t t = len > SIZEOF_ETH_HDR + ihl ? f[SIZEOF_ETH_HDR + ihl] : 0;

		return f[14 + 9] == IP_PROTO_ICMP && (t == 3 || t == 11 || t == 12);
	}
	if (type == ETHTYPE_IPV6 && len >= SIZEOF_ETH_HDR + 41)
		return f[14 + 6] == 58 && f[SIZEOF_ETH_HDR + 40] < 128;
	return 0;
}

int rumptcpip_icmp_ratelimit(const struct pbuf *p)
{
	uint64_t now;

	if (p->len < SIZEOF_ETH_HDR + 21 || !is_icmp_error(p->payload, p->len))
		return 0;
	now = hyp_clock_monotonic();
	if (now - bucket_ns >= 1000000000ull / ICMP_RATE) {
		uint64_t add = (now - bucket_ns) * ICMP_RATE / 1000000000ull;

		tokens = add + tokens > ICMP_BURST ? ICMP_BURST : (uint32_t)(tokens + add);
		bucket_ns = now;
	}
	if (tokens == 0)
		return 1;
	tokens--;
	return 0;
}
