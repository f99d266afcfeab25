/*
 * router_fwd.c - the router's forwarding path (RFC 1812), run by the
 * hypif hook in the receiving NIC's thread, without the lwIP core lock.
 *
 * Per frame: ARP is snooped (sender learnt into the neighbour cache)
 * and given to lwIP; IPv4 not for the router is checked (version, IHL,
 * lengths, header checksum), TTL-checked (time exceeded), routed
 * (longest prefix; none: net unreachable), size-checked against the
 * next hop's MTU (DF: frag needed with the MTU; else fragmented),
 * rewritten in place (TTL - 1, RFC 1624 incremental checksum, MACs) and
 * sent on the other NIC. Only a next hop missing from the neighbour
 * cache goes through lwIP (etharp_output queues it and resolves).
 * Everything else (for the router, broadcast, IPv6) goes to lwIP.
 * Not here: IP options processing (forwarded untouched), redirects.
 */
#include <stdatomic.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "route.h"
#include "router.h"

struct router_stats router_stats;

static int nic_of(const struct netif *n)
{
	return n->name[1] - '0';
}

static void snoop_arp(struct netif *in, const uint8_t *f, size_t len)
{
	uint32_t spa;

	if (len < ETH_HLEN_ + 28 || f[ETH_HLEN_ + 4] != 6 || f[ETH_HLEN_ + 5] != 4)
		return;
	memcpy(&spa, f + ETH_HLEN_ + 14, 4);
	if (route_on_link(nic_of(in), spa))
		neigh_learn(nic_of(in), spa, f + ETH_HLEN_ + 8);
}

/* Next hop not in the cache: let lwIP's ARP resolve it and send the
 * packet (queued meanwhile, ARP_QUEUE_LEN per neighbour). */
static void slow_path(struct netif *out, const uint8_t *ip, size_t len, uint32_t nexthop)
{
	struct pbuf *p = pbuf_alloc(PBUF_LINK, (u16_t)len, PBUF_RAM);
	ip4_addr_t nh;

	if (p == NULL) {
		atomic_fetch_add(&router_stats.dropped, 1);
		return;
	}
	pbuf_take(p, ip, (u16_t)len);
	ip4_addr_set_u32(&nh, nexthop);
	LOCK_TCPIP_CORE();
	etharp_output(out, p, &nh);
	UNLOCK_TCPIP_CORE();
	pbuf_free(p);
	atomic_fetch_add(&router_stats.slow, 1);
}

static void send_ip(struct netif *out, const uint8_t *mac, uint8_t *eth, size_t iplen)
{
	struct hyp_iovec iov = { eth, ETH_HLEN_ + iplen };

	memcpy(eth, mac, 6);
	memcpy(eth + 6, out->hwaddr, 6);
	if (hypif_xmit(out, &iov, 1) == 0)
		atomic_fetch_add(&router_stats.forwarded, 1);
	else
		atomic_fetch_add(&router_stats.dropped, 1);
}

/* Where a packet goes once routed: a known MAC (fast) or lwIP's ARP. */
struct hop {
	struct netif *out;
	int known;		/* mac is valid */
	uint8_t mac[6];
	uint32_t nexthop;
};

/* Send the IPv4 packet at eth + 14 (iplen bytes); eth has room for the
 * Ethernet header in front. */
static void emit(const struct hop *h, uint8_t *eth, size_t iplen)
{
	if (h->known) {
		eth[12] = 0x08;
		eth[13] = 0x00;
		send_ip(h->out, h->mac, eth, iplen);
	} else {
		slow_path(h->out, eth + ETH_HLEN_, iplen, h->nexthop);
	}
}

/* Options a non-first fragment carries: those with the copy bit. */
static size_t copied_options(const uint8_t *ip, size_t ihl, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 20; i < ihl;) {
		uint8_t t = ip[i];
		size_t l = t <= 1 ? 1 : (i + 1 < ihl ? ip[i + 1] : 0);

		if (t == 0 || l < 1 || i + l > ihl)
			break;
		if (t & 0x80) {
			memcpy(out + o, ip + i, l);
			o += l;
		}
		i += l;
	}
	while (o & 3)
		out[o++] = 0;
	return o;
}

/* Split an IPv4 packet (TTL already updated) into fragments of at most
 * mtu bytes and send them (RFC 791 fragmentation procedure). */
static void fragment(const struct hop *hop, const uint8_t *ip, size_t len, size_t mtu)
{
	uint8_t buf[ETH_HLEN_ + 9018], opts[40];
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, off = 0, payload = len - ihl;
	uint16_t frag = lwip_ntohs(*(const uint16_t *)(ip + 6));
	size_t hl = ihl, optlen = copied_options(ip, ihl, opts);

	if (mtu > sizeof(buf) - ETH_HLEN_)
		mtu = sizeof(buf) - ETH_HLEN_;
	atomic_fetch_add(&router_stats.fragmented, 1);
	while (off < payload) {
		uint8_t *h = buf + ETH_HLEN_;
		size_t chunk = ((mtu - hl) / 8) * 8, n;
		uint16_t v;

		if (chunk == 0)
			return;
		n = payload - off < chunk ? payload - off : chunk;
		memcpy(h, ip, 20);
		if (off == 0)
			memcpy(h + 20, ip + 20, ihl - 20);
		else
			memcpy(h + 20, opts, optlen);
		h[0] = (uint8_t)(0x40 | (hl / 4));
		memcpy(h + hl, ip + ihl + off, n);
		v = lwip_htons((uint16_t)(hl + n));
		memcpy(h + 2, &v, 2);
		v = (uint16_t)((frag & 0x1fff) + off / 8);
		if (off + n < payload || (frag & 0x2000))
			v |= 0x2000;	/* more fragments */
		v = lwip_htons(v);
		memcpy(h + 6, &v, 2);
		h[10] = h[11] = 0;
		v = inet_csum(h, hl);
		memcpy(h + 10, &v, 2);
		emit(hop, buf, hl + n);
		off += n;
		hl = 20 + optlen;	/* later fragments: copied options only */
	}
}

/* Decrement TTL and patch the checksum (RFC 1624: HC' = ~(~HC + ~m + m')). */
static void ttl_dec(uint8_t *ip)
{
	uint16_t old = (uint16_t)(ip[8] << 8 | ip[9]), hc;
	uint32_t sum;

	ip[8]--;
	memcpy(&hc, ip + 10, 2);
	hc = lwip_ntohs(hc);
	sum = (uint32_t)(~hc & 0xffff) + (~old & 0xffff) + (uint16_t)(ip[8] << 8 | ip[9]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	hc = lwip_htons((uint16_t)~sum);
	memcpy(ip + 10, &hc, 2);
}

/* RFC 1812 5.3.7: never forward from or to these (network order in). */
static int martian(uint32_t a_net, int is_src)
{
	uint32_t a = lwip_ntohl(a_net);
	uint8_t top = (uint8_t)(a >> 24);

	if (top == 0 || top == 127 || top >= 240)
		return 1;	/* this net, loopback, class E and limited broadcast */
	return is_src && top >= 224;	/* multicast source */
}

/* Forward one transit packet; returns 1 (frame consumed) or 0 (lwIP). */
static int forward(struct netif *in, uint8_t *f, size_t flen)
{
	uint8_t *ip = f + ETH_HLEN_;
	struct hop hop;
	size_t ihl, len;
	uint32_t dst, src;
	struct route_result r;
	struct netif *out;

	if (flen < ETH_HLEN_ + 20 || (ip[0] >> 4) != 4 || (ip[0] & 0xf) < 5)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	len = (size_t)(ip[2] << 8 | ip[3]);
	if (len < ihl || len > flen - ETH_HLEN_)
		return 0;	/* malformed: lwIP drops and counts it */
	memcpy(&dst, ip + 16, 4);
	memcpy(&src, ip + 12, 4);
	if ((f[0] & 1) || memcmp(f, in->hwaddr, 6) != 0 || route_is_local(dst) ||
	    (lwip_ntohl(dst) >> 28) == 0xe)
		return 0;	/* not a transit packet */
	if (inet_csum(ip, ihl) != 0 || martian(src, 1) || martian(dst, 0)) {
		atomic_fetch_add(&router_stats.dropped, 1);
		return 1;
	}
	if (route_on_link(nic_of(in), src))
		neigh_learn(nic_of(in), src, f + 6);
	if (ip[8] <= 1) {
		icmp_error(in, f + 6, ip, len, 11, 0, 0);	/* TTL exceeded in transit */
		return 1;
	}
	if (route_lookup(dst, &r) != 0 || (out = hypif_get(r.nic)) == NULL) {
		icmp_error(in, f + 6, ip, len, 3, 0, 0);	/* net unreachable */
		return 1;
	}
	if (len > out->mtu && (ip[6] & 0x40)) {
		icmp_error(in, f + 6, ip, len, 3, 4, out->mtu);	/* frag needed, DF set */
		return 1;
	}
	ttl_dec(ip);
	hop.out = out;
	hop.nexthop = r.nexthop;
	hop.known = neigh_lookup(r.nic, r.nexthop, hop.mac);
	if (len > out->mtu)
		fragment(&hop, ip, len, out->mtu);
	else
		emit(&hop, f, len);
	return 1;
}

int router_hook(struct netif *in, struct hyp_frame *fr, void *arg)
{
	uint8_t *f = fr->data;
	uint16_t type;

	if (fr->len < ETH_HLEN_)
		return 0;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == ETHTYPE_ARP_) {
		snoop_arp(in, f, fr->len);
		return 0;
	}
	if (type != ETHTYPE_IP_ || !forward(in, f, fr->len))
		return 0;
	hypif_frame_done(in, fr);
	return 1;
}
