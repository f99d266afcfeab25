/*
 * router.c - the router appliance: two or more NICs, static routes,
 * IPv4 forwarding through the fast path in router_fwd.c; lwIP answers
 * ARP and echo on every interface and runs DHCP where configured.
 *
 * Routes: "routes" = count, "route<N>" = "PREFIX/LEN via GW" (or
 * "default via GW"); nic<N>.gateway adds a default route via it.
 * Prints "rumpnet: router forwarding nics=<n> routes=<m>" when ready.
 * Not here: dynamic routing, IPv6 forwarding (IPv6 is host-only).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "config.h"
#include "netcfg.h"
#include "route.h"
#include "router.h"

static netif_ext_callback_t route_cb;

/* Keep the connected routes in step with the NICs' addresses. */
static void on_change(struct netif *netif, netif_nsc_reason_t reason,
		      const netif_ext_callback_args_t *args)
{
	if (reason & (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_ADDRESS_CHANGED |
		      LWIP_NSC_IPV4_NETMASK_CHANGED))
		route_set_connected(netif->name[1] - '0', ip4_addr_get_u32(netif_ip4_addr(netif)),
				    netcfg_prefix_len(netif_ip4_netmask(netif)));
}

static void add_route(const char *spec)
{
	char prefix[40], via[8], gw[20];
	ip4_addr_t g;
	uint32_t p = 0;
	int len = 0;

	if (sscanf(spec, "%39s %7s %19s", prefix, via, gw) != 3 || strcmp(via, "via") != 0 ||
	    !ip4addr_aton(gw, &g))
		hyp_panic("router: bad route '%s' (want PREFIX/LEN via GW)", spec);
	if (strcmp(prefix, "default") != 0 && netcfg_parse_prefix(prefix, &p, &len) < 0)
		hyp_panic("router: bad prefix in route '%s'", spec);
	if (route_add(p, len, ip4_addr_get_u32(&g)) < 0)
		hyp_panic("router: routing table full at '%s'", spec);
}

static void load_routes(void)
{
	long n = cfg_int("routes", 0);
	char buf[96];
	ip4_addr_t g;

	for (long i = 0; i < n; i++) {
		if (cfg_getf(buf, sizeof(buf), "route%ld", i) == NULL)
			hyp_panic("router: routes=%ld but route%ld is not set", n, i);
		add_route(buf);
	}
	for (int i = 0; i < hyp_nic_count(); i++)
		if (cfg_getf(buf, sizeof(buf), "nic%d.gateway", i) != NULL && buf[0] != '\0' &&
		    ip4addr_aton(buf, &g))
			route_add(0, 0, ip4_addr_get_u32(&g));
}

int rumpnet_main(void)
{
	int nics;

	route_init();
	rumptcpip_init();
	LOCK_TCPIP_CORE();
	netif_add_ext_callback(&route_cb, on_change);
	UNLOCK_TCPIP_CORE();
	load_routes();
	nics = netcfg_up(router_hook, NULL);
	if (nics < 2)
		hyp_printf("rumpnet: router: warning: only %d NIC, nothing to forward\n", nics);
	hyp_printf("rumpnet: router forwarding nics=%d routes=%d\n", nics, route_count());
	for (;;) {
		hyp_sleep(60ull * 1000000000ull);
		hyp_printf("rumpnet: router stats forwarded=%llu slow=%llu fragmented=%llu "
			   "icmp=%llu dropped=%llu\n",
			   (unsigned long long)router_stats.forwarded,
			   (unsigned long long)router_stats.slow,
			   (unsigned long long)router_stats.fragmented,
			   (unsigned long long)router_stats.icmp_sent,
			   (unsigned long long)router_stats.dropped);
	}
}
