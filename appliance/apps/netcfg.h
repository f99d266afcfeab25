/*
 * netcfg.h - bring the appliance's NICs up as the configuration says.
 * Not here: the netif driver (rumptcpip/netif_hyp.c).
 */
#ifndef RUMPNET_APPS_NETCFG_H
#define RUMPNET_APPS_NETCFG_H

#include "rumptcpip.h"

/*
 * Open `nics` NICs (parameter "nics", else every NIC the platform has),
 * each with nic<N>.mac / .mtu / .mode (dhcp|static) / .ipv4 (a.b.c.d/len)
 * / .gateway / .ipv6 (slaac|off), and the hostname from "name". Prints
 *   rumpnet: nic<N> attached name=<platform name> mac=<mac> mtu=<mtu>
 * and, whenever an address is bound (DHCP, static, SLAAC):
 *   rumpnet: nic<N> up ipv4=<addr>/<len> gw=<gw> mac=<mac>
 *   rumpnet: nic<N> up ipv6=<addr> mac=<mac>
 * `hook` (may be NULL) is installed on every NIC. Returns the number of
 * NICs opened; panics when none could be. May block.
 */
int netcfg_up(hypif_hook_fn hook, void *hook_arg);

/* Parse "a.b.c.d/len" into network-order addr and prefix length.
 * Returns 0 or -1. */
int netcfg_parse_prefix(const char *s, uint32_t *addr, int *len);
/* Netmask for a prefix length, network order. */
uint32_t netcfg_mask(int len);
/* Prefix length of a (contiguous) netmask. */
int netcfg_prefix_len(const ip4_addr_t *mask);

#endif /* RUMPNET_APPS_NETCFG_H */
