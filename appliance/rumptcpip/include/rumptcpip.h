/*
 * rumptcpip.h - what the apps get from the TCP/IP glue.
 *
 * rumptcpip_init() starts lwIP's tcpip thread. hypif_open() binds NIC
 * <index> of the hypercall interface to a new lwIP netif (Ethernet,
 * ARP, IPv4 and IPv6), with an optional receive hook that sees every
 * frame first (the router's fast path). Apps then use lwIP's raw API
 * under the core lock (LOCK_TCPIP_CORE, or from lwIP callbacks, which
 * already hold it).
 * Not here: addressing policy (apps/netcfg.c), the driver (netif_hyp.c).
 */
#ifndef RUMPNET_RUMPTCPIP_H
#define RUMPNET_RUMPTCPIP_H

#include <rumpnet/hyper.h>
#include "lwip/netif.h"

/* Start lwIP and its tcpip thread; returns when it runs. May block. */
void rumptcpip_init(void);

/*
 * Frame hook: called in the NIC's receive thread, without the core lock,
 * for every received frame before lwIP. Return 1 if the hook consumed
 * the frame (it must then hyp_nic_frame_done() it, via hypif_frame_done),
 * 0 to let lwIP have it. Must not block.
 */
typedef int (*hypif_hook_fn)(struct netif *netif, struct hyp_frame *frame, void *arg);

/*
 * Open NIC `index` and add it as an lwIP netif, administratively up with
 * no address. `mac` overrides the NIC's MAC when not NULL; `mtu` 0 keeps
 * the NIC's. Returns 0 or a HYP_E* code. May block; call without the
 * core lock.
 */
int hypif_open(int index, const uint8_t *mac, uint16_t mtu,
	       hypif_hook_fn hook, void *hook_arg, struct netif **out);

/* Send a whole Ethernet frame on the netif's NIC (thread-safe, any
 * context). Returns 0 or a HYP_E* code. Never blocks. */
int hypif_xmit(struct netif *netif, const struct hyp_iovec *iov, int iovcnt);
/* Release a frame a hook consumed. */
void hypif_frame_done(struct netif *netif, struct hyp_frame *frame);
/* The NIC's counters and platform name. */
void hypif_counters(struct netif *netif, struct hyp_nic_counters *c);
const char *hypif_name(struct netif *netif);
/* Number of netifs opened, and the one for NIC index i (or NULL). */
int hypif_count(void);
struct netif *hypif_get(int i);

#endif /* RUMPNET_RUMPTCPIP_H */
