/*
 * router.h - what the router's files share: the frame hook (fast path),
 * ICMP error generation and the counters.
 * Not here: the routing table (route.h).
 */
#ifndef RUMPNET_APPS_ROUTER_H
#define RUMPNET_APPS_ROUTER_H

#include <stdint.h>
#include "rumptcpip.h"

#define ETH_HLEN_ 14
#define ETHTYPE_IP_ 0x0800
#define ETHTYPE_ARP_ 0x0806

struct router_stats {
	_Atomic uint64_t forwarded;	/* fast path: rewritten and sent */
	_Atomic uint64_t slow;		/* next hop unresolved: sent through lwIP ARP */
	_Atomic uint64_t fragmented;	/* packets split to fit the next hop's MTU */
	_Atomic uint64_t icmp_sent;	/* ICMP errors generated */
	_Atomic uint64_t dropped;	/* bad checksum, send failure, rate limit */
};
extern struct router_stats router_stats;	/* updated with atomics */

/* The hypif hook: forwards transit IPv4, learns neighbours, leaves the
 * rest to lwIP. Called from: NIC receive threads. */
int router_hook(struct netif *in, struct hyp_frame *f, void *arg);

/* Send ICMP error type/code about the IPv4 packet `ip` (len bytes, as
 * received) back out of `in` to the frame's source MAC `dst_mac`.
 * `mtu` is the next-hop MTU for "fragmentation needed" (else 0).
 * Never blocks. */
void icmp_error(struct netif *in, const uint8_t *dst_mac, const uint8_t *ip, size_t len,
		uint8_t type, uint8_t code, uint16_t mtu);

/* Internet checksum of len bytes, folded and complemented. */
uint16_t inet_csum(const void *data, size_t len);

#endif /* RUMPNET_APPS_ROUTER_H */
