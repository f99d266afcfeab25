/*
 * netcfg.c - per-NIC addressing from the configuration: DHCP (lwIP's
 * client, which renews its lease by itself) or static IPv4, IPv6 SLAAC,
 * and the machine-readable "rumpnet: nic<N> up ..." console lines that
 * tools/posix_run.py and the test rig parse.
 * Not here: routes beyond the per-NIC default gateway (router.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "config.h"
#include "netcfg.h"

static char hostname[64];
static netif_ext_callback_t ext_cb;

uint32_t netcfg_mask(int len)
{
	return len <= 0 ? 0 : lwip_htonl(0xffffffffu << (32 - len));
}

int netcfg_parse_prefix(const char *s, uint32_t *addr, int *len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	ip4_addr_t a;
	char *end;
	long l = 32;

	if (slash != NULL) {
		if ((size_t)(slash - s) >= sizeof(buf))
			return -1;
		memcpy(buf, s, (size_t)(slash - s));
		buf[slash - s] = '\0';
		l = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || l < 0 || l > 32)
			return -1;
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	if (!ip4addr_aton(buf, &a))
		return -1;
	*addr = ip4_addr_get_u32(&a);
	*len = (int)l;
	return 0;
}

static int nic_index(const struct netif *netif)
{
	return netif->name[1] - '0';
}

static void mac_str(const struct netif *n, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", n->hwaddr[0], n->hwaddr[1],
		 n->hwaddr[2], n->hwaddr[3], n->hwaddr[4], n->hwaddr[5]);
}

int netcfg_prefix_len(const ip4_addr_t *mask)
{
	uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

/* The readiness report for the host (rumpnet deploy waits for it): the
 * address in the platform's state store; failure is harmless, the console
 * line above says the same. */
static void publish_ipv4(int nic, const char *addr, int plen)
{
	char key[24], val[64];

	snprintf(key, sizeof(key), "nic%d.ipv4", nic);
	snprintf(val, sizeof(val), "%s/%d", addr, plen);
	(void)hyp_state_set(key, val);
}

/* Called with the core lock held, on any address change. */
static void on_change(struct netif *netif, netif_nsc_reason_t reason,
		      const netif_ext_callback_args_t *args)
{
	char mac[20], a[48], gw[20];

	mac_str(netif, mac, sizeof(mac));
	if ((reason & (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_ADDRESS_CHANGED)) &&
	    !ip4_addr_isany_val(*netif_ip4_addr(netif))) {
		ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_gw(netif), gw, sizeof(gw));
		hyp_printf("rumpnet: nic%d up ipv4=%s/%d gw=%s mac=%s\n", nic_index(netif), a,
			   netcfg_prefix_len(netif_ip4_netmask(netif)), gw, mac);
		publish_ipv4(nic_index(netif), a, netcfg_prefix_len(netif_ip4_netmask(netif)));
	}
	if ((reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) &&
	    ip6_addr_isvalid(netif_ip6_addr_state(netif, args->ipv6_addr_state_changed.addr_index)) &&
	    !ip6_addr_isvalid(args->ipv6_addr_state_changed.old_state)) {
		ip6addr_ntoa_r(netif_ip6_addr(netif, args->ipv6_addr_state_changed.addr_index), a,
			       sizeof(a));
		for (char *q = a; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'F')
				*q = (char)(*q + 32);
		hyp_printf("rumpnet: nic%d up ipv6=%s mac=%s\n", nic_index(netif), a, mac);
	}
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return (mac[0] & 1) ? -1 : 0;	/* no multicast MAC */
}

/* Address the netif; called with the core lock held. */
static void address(struct netif *netif, int i)
{
	char mode[16] = "dhcp", v4[40], gw[20], v6[16] = "slaac";
	ip4_addr_t addr, mask, gwa;
	uint32_t a;
	int len;

	cfg_getf(mode, sizeof(mode), "nic%d.mode", i);
	cfg_getf(v6, sizeof(v6), "nic%d.ipv6", i);
	if (strcmp(v6, "slaac") == 0) {
		netif_create_ip6_linklocal_address(netif, 1);
		netif_set_ip6_autoconfig_enabled(netif, 1);
	}
	if (strcmp(mode, "static") == 0) {
		if (cfg_getf(v4, sizeof(v4), "nic%d.ipv4", i) == NULL ||
		    netcfg_parse_prefix(v4, &a, &len) < 0)
			hyp_panic("nic%d: mode static needs nic%d.ipv4=a.b.c.d/len", i, i);
		ip4_addr_set_u32(&addr, a);
		ip4_addr_set_u32(&mask, netcfg_mask(len));
		ip4_addr_set_zero(&gwa);
		if (cfg_getf(gw, sizeof(gw), "nic%d.gateway", i) != NULL && gw[0] != '\0' &&
		    !ip4addr_aton(gw, &gwa))
			hyp_panic("nic%d: bad gateway '%s'", i, gw);
		netif_set_addr(netif, &addr, &mask, &gwa);
	} else if (strcmp(mode, "dhcp") == 0) {
		if (dhcp_start(netif) != ERR_OK)
			hyp_panic("nic%d: dhcp_start failed", i);
	} else {
		hyp_panic("nic%d: mode must be dhcp or static, not '%s'", i, mode);
	}
}

int netcfg_up(hypif_hook_fn hook, void *hook_arg)
{
	int nics = (int)cfg_int("nics", hyp_nic_count());
	char buf[32], mac_s[20];
	struct netif *netif;
	uint8_t mac[6];
	int opened = 0;

	cfg_get("name", hostname, sizeof(hostname));
	LOCK_TCPIP_CORE();
	netif_add_ext_callback(&ext_cb, on_change);
	UNLOCK_TCPIP_CORE();
	for (int i = 0; i < nics; i++) {
		const char *m = cfg_getf(buf, sizeof(buf), "nic%d.mac", i);
		int use_mac = m != NULL && strcmp(m, "auto") != 0 && m[0] != '\0';
		int err;

		if (use_mac && parse_mac(m, mac) < 0)
			hyp_panic("nic%d: bad mac '%s'", i, m);
		err = hypif_open(i, use_mac ? mac : NULL, (uint16_t)cfg_int(
				 (snprintf(buf, sizeof(buf), "nic%d.mtu", i), buf), 0),
				 hook, hook_arg, &netif);
		if (err != 0) {
			hyp_printf("rumpnet: nic%d: cannot open (error %d)\n", i, err);
			continue;
		}
		opened++;
		mac_str(netif, mac_s, sizeof(mac_s));
		hyp_printf("rumpnet: nic%d attached name=%s mac=%s mtu=%u\n", i, hypif_name(netif),
			   mac_s, netif->mtu);
		LOCK_TCPIP_CORE();
		if (hostname[0] != '\0')
			netif_set_hostname(netif, hostname);
		if (i == 0)
			netif_set_default(netif);
		address(netif, i);
		UNLOCK_TCPIP_CORE();
	}
	if (opened == 0)
		hyp_panic("no NIC could be opened (%d configured, %d present)", nics,
			  hyp_nic_count());
	return opened;
}
