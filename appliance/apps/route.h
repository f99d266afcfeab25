/*
 * route.h - the router's IPv4 routing table: connected prefixes (one per
 * NIC, from its address) and static routes ("PREFIX/LEN via GW"),
 * longest-prefix match, plus the neighbour cache the fast path uses.
 * All functions are thread-safe (one hyp_mutex each) and never block
 * for long. Addresses are in network byte order.
 */
#ifndef RUMPNET_APPS_ROUTE_H
#define RUMPNET_APPS_ROUTE_H

#include <stdint.h>

#define ROUTE_NICS 8

struct route_result {
	int nic;		/* outgoing NIC index */
	uint32_t nexthop;	/* on-link address to send to */
};

void route_init(void);
/* Set NIC `nic`'s own address and prefix length (addr 0: none). */
void route_set_connected(int nic, uint32_t addr, int len);
/* Add a static route; gw must be on a connected prefix when used.
 * Returns 0, or -1 when the table is full. */
int route_add(uint32_t prefix, int len, uint32_t gw);
/* Longest-prefix match for dst. Returns 0 and fills r, or -1. */
int route_lookup(uint32_t dst, struct route_result *r);
/* Is addr one of the router's own addresses or a broadcast address of
 * one of its prefixes? */
int route_is_local(uint32_t addr);
/* NIC `nic`'s own address (0 if none) and whether addr is on its prefix. */
uint32_t route_nic_addr(int nic);
int route_on_link(int nic, uint32_t addr);
int route_count(void);

/* Neighbour cache: learn (from ARP and on-link senders) and look up. */
void neigh_learn(int nic, uint32_t addr, const uint8_t mac[6]);
int neigh_lookup(int nic, uint32_t addr, uint8_t mac[6]);

#endif /* RUMPNET_APPS_ROUTE_H */
