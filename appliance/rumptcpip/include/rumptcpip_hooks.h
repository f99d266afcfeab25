/*
 * rumptcpip_hooks.h - prototypes of the lwIP hooks rumpnet provides
 * (LWIP_HOOK_FILENAME in lwipopts.h). Not here: the implementations
 * (tcp_isn.c, filters.c).
 */
#ifndef RUMPNET_RUMPTCPIP_HOOKS_H
#define RUMPNET_RUMPTCPIP_HOOKS_H

#include "lwip/ip_addr.h"

struct pbuf;
struct netif;
struct tcp_pcb;
struct tcp_hdr;

/* RFC 6528 initial sequence numbers (LWIP_HOOK_TCP_ISN). */
u32_t rumptcpip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
			const ip_addr_t *remote_ip, u16_t remote_port);

/* Input checks lwIP lacks (filters.c): LWIP_HOOK_IP4_INPUT and
 * LWIP_HOOK_TCP_INPACKET_PCB. */
int rumptcpip_ip4_input(struct pbuf *p, struct netif *inp);
err_t rumptcpip_tcp_inpkt(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen,
			  u16_t opt1len, u8_t *opt2, struct pbuf *p);
/* 1 if the outgoing frame is an ICMP(v6) error over the rate limit. */
int rumptcpip_icmp_ratelimit(const struct pbuf *p);

#endif /* RUMPNET_RUMPTCPIP_HOOKS_H */
