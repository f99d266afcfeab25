/*
 * route.c - routing table and neighbour cache of the router appliance.
 *
 * The table is small (connected + static routes, at most ROUTE_MAX), so
 * lookup is a linear longest-prefix scan under a mutex; a static route's
 * gateway is resolved to its connected NIC at lookup time, so routes
 * follow DHCP address changes. The neighbour cache is a per-NIC
 * open-addressed hash of IPv4 -> MAC, entries expiring after
 * NEIGH_TTL_S; a miss sends the packet through lwIP's ARP (router_fwd.c)
 * whose reply the fast path then learns.
 * Not here: dynamic routing protocols, ECMP.
 */
#include <string.h>

#include <rumpnet/hyper.h>
#include "netcfg.h"
#include "route.h"

#define ROUTE_MAX   64
#define NEIGH_SLOTS 256	/* per NIC, power of two */
#define NEIGH_TTL_S 300

struct route {
	uint32_t prefix, mask;	/* network order */
	int len;
	uint32_t gw;		/* 0: connected */
	int nic;		/* connected: the NIC; static: -1 */
};

struct neigh {
	uint32_t addr;
	uint8_t mac[6];
	uint64_t expires;
};

static struct hyp_mutex *route_lock;	/* protects: routes, nroutes, connected */
static struct route routes[ROUTE_MAX];
static int nroutes;
static struct route connected[ROUTE_NICS];	/* per NIC; mask 0 + prefix 0: none */
static uint32_t own_addr[ROUTE_NICS];

static struct hyp_mutex *neigh_lock;	/* protects: neighs */
static struct neigh neighs[ROUTE_NICS][NEIGH_SLOTS];

void route_init(void)
{
	if (hyp_mutex_create(&route_lock) != 0 || hyp_mutex_create(&neigh_lock) != 0)
		hyp_panic("route_init: out of memory");
}

void route_set_connected(int nic, uint32_t addr, int len)
{
	if (nic < 0 || nic >= ROUTE_NICS)
		return;
	hyp_mutex_lock(route_lock);
	own_addr[nic] = addr;
	connected[nic].mask = netcfg_mask(len);
	connected[nic].prefix = addr & connected[nic].mask;
	connected[nic].len = addr ? len : -1;
	connected[nic].nic = nic;
	hyp_mutex_unlock(route_lock);
}

int route_add(uint32_t prefix, int len, uint32_t gw)
{
	int ret = -1;

	hyp_mutex_lock(route_lock);
	if (nroutes < ROUTE_MAX) {
		routes[nroutes] = (struct route){ prefix & netcfg_mask(len), netcfg_mask(len),
						  len, gw, -1 };
		nroutes++;
		ret = 0;
	}
	hyp_mutex_unlock(route_lock);
	return ret;
}

/* The connected NIC for an on-link address, or -1. route_lock held. */
static int connected_nic(uint32_t addr)
{
	int best = -1, best_len = -1;

	for (int i = 0; i < ROUTE_NICS; i++)
		if (connected[i].len > best_len && own_addr[i] != 0 &&
		    (addr & connected[i].mask) == connected[i].prefix) {
			best = i;
			best_len = connected[i].len;
		}
	return best;
}

int route_lookup(uint32_t dst, struct route_result *r)
{
	int best_len = -1, found = -1;

	hyp_mutex_lock(route_lock);
	found = connected_nic(dst);
	if (found >= 0) {
		best_len = connected[found].len;
		*r = (struct route_result){ found, dst };
	}
	for (int i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];
		int nic;

		if (rt->len <= best_len || (dst & rt->mask) != rt->prefix)
			continue;
		nic = connected_nic(rt->gw);
		if (nic < 0)
			continue;	/* gateway not reachable now */
		best_len = rt->len;
		found = nic;
		*r = (struct route_result){ nic, rt->gw };
	}
	hyp_mutex_unlock(route_lock);
	return found >= 0 ? 0 : -1;
}

int route_is_local(uint32_t addr)
{
	int local = addr == 0xffffffffu;

	hyp_mutex_lock(route_lock);
	for (int i = 0; i < ROUTE_NICS && !local; i++)
		if (own_addr[i] != 0 &&
		    (addr == own_addr[i] ||
		     (connected[i].len < 31 && addr == (connected[i].prefix | ~connected[i].mask))))
			local = 1;
	hyp_mutex_unlock(route_lock);
	return local;
}

uint32_t route_nic_addr(int nic)
{
	uint32_t a;

	if (nic < 0 || nic >= ROUTE_NICS)
		return 0;
	hyp_mutex_lock(route_lock);
	a = own_addr[nic];
	hyp_mutex_unlock(route_lock);
	return a;
}

int route_on_link(int nic, uint32_t addr)
{
	int on;

	if (nic < 0 || nic >= ROUTE_NICS)
		return 0;
	hyp_mutex_lock(route_lock);
	on = own_addr[nic] != 0 && (addr & connected[nic].mask) == connected[nic].prefix;
	hyp_mutex_unlock(route_lock);
	return on;
}

int route_count(void)
{
	return nroutes;
}

static unsigned int neigh_hash(uint32_t addr)
{
	return (addr * 2654435761u) >> 24 & (NEIGH_SLOTS - 1);
}

void neigh_learn(int nic, uint32_t addr, const uint8_t mac[6])
{
	uint64_t now = hyp_clock_monotonic();
	unsigned int h = neigh_hash(addr), victim = h;

	if (nic < 0 || nic >= ROUTE_NICS || addr == 0 || (mac[0] & 1))
		return;
	hyp_mutex_lock(neigh_lock);
	for (unsigned int i = 0; i < 8; i++) {
		struct neigh *n = &neighs[nic][(h + i) & (NEIGH_SLOTS - 1)];

		if (n->addr == addr || n->expires < now) {
			victim = (h + i) & (NEIGH_SLOTS - 1);
			break;
		}
		if (n->expires < neighs[nic][victim].expires)
			victim = (h + i) & (NEIGH_SLOTS - 1);
	}
	neighs[nic][victim].addr = addr;
	memcpy(neighs[nic][victim].mac, mac, 6);
	neighs[nic][victim].expires = now + NEIGH_TTL_S * 1000000000ull;
	hyp_mutex_unlock(neigh_lock);
}

int neigh_lookup(int nic, uint32_t addr, uint8_t mac[6])
{
	uint64_t now = hyp_clock_monotonic();
	unsigned int h = neigh_hash(addr);
	int found = 0;

	if (nic < 0 || nic >= ROUTE_NICS)
		return 0;
	hyp_mutex_lock(neigh_lock);
	for (unsigned int i = 0; i < 8 && !found; i++) {
		const struct neigh *n = &neighs[nic][(h + i) & (NEIGH_SLOTS - 1)];

		if (n->addr == addr && n->expires >= now) {
			memcpy(mac, n->mac, 6);
			found = 1;
		}
	}
	hyp_mutex_unlock(neigh_lock);
	return found;
}
