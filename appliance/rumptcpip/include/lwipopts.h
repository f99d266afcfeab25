/*
 * lwipopts.h - rumpnet's lwIP configuration: only what differs from
 * lwIP's opt.h, in opt.h's comment form.
 *
 * Threading: NO_SYS=0 with the tcpip thread for timers and callbacks,
 * and LWIP_TCPIP_CORE_LOCKING so a NIC's receive thread feeds frames
 * into the stack under the core lock itself (netif_hyp.c), with no
 * message to the tcpip thread per frame. Apps use the raw API from
 * callbacks that run under the same lock.
 * Not here: anything platform-specific (arch/cc.h, arch/sys_arch.h).
 */
#ifndef RUMPNET_LWIPOPTS_H
#define RUMPNET_LWIPOPTS_H

/* ---------- threading and locking ---------- */
/** NO_SYS==0: use the tcpip thread and the sys_arch layer over hyper.h. */
#define NO_SYS                          0
/** SYS_LIGHTWEIGHT_PROT==1: memp/pbuf refcounts are protected (sys_arch.c). */
#define SYS_LIGHTWEIGHT_PROT            1
/** LWIP_NETCONN==0, LWIP_SOCKET==0: apps use the raw API only. */
#define LWIP_NETCONN                    0
#define LWIP_SOCKET                     0
/** TCPIP_MBOX_SIZE: depth of the tcpip thread's mailbox. */
#define TCPIP_MBOX_SIZE                 128
/** TCPIP_THREAD_STACKSIZE: stack of the tcpip thread in bytes. */
#define TCPIP_THREAD_STACKSIZE          (64 * 1024)
#define TCPIP_THREAD_NAME               "tcpip"
/** LWIP_NETIF_API==0: netifs are configured under the core lock. */
#define LWIP_NETIF_API                  0

/* ---------- memory ---------- */
/** MEM_LIBC_MALLOC==1: the lwIP heap is the platform allocator (hyp_malloc). */
#define MEM_LIBC_MALLOC                 1
#define mem_clib_malloc                 hyp_malloc
#define mem_clib_calloc                 hyp_calloc
#define mem_clib_free                   hyp_free
/** MEM_ALIGNMENT: the platform aligns to 16; lwIP needs pointer size. */
#define MEM_ALIGNMENT                   8
/** PBUF_POOL_SIZE: receive pbufs (the frame is copied in from the NIC). */
#define PBUF_POOL_SIZE                  512
/** MEMP_NUM_PBUF: ROM/REF pbufs; httpd sends content zero-copy as ROM. */
#define MEMP_NUM_PBUF                   1024
/** MEMP_NUM_TCP_PCB: above http.max_conns (64) plus TIME-WAIT slack. */
#define MEMP_NUM_TCP_PCB                160
#define MEMP_NUM_TCP_PCB_LISTEN         8
#define MEMP_NUM_TCP_SEG                1024
#define MEMP_NUM_UDP_PCB                8
/** MEMP_NUM_SYS_TIMEOUT: lwIP's own timers plus a few for the apps. */
#define MEMP_NUM_SYS_TIMEOUT            (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
/** MEMP_NUM_TCPIP_MSG_API: callbacks queued to the tcpip thread. */
#define MEMP_NUM_TCPIP_MSG_API          64
#define MEMP_NUM_TCPIP_MSG_INPUT        64

/* ---------- link and IPv4 ---------- */
/** ARP_TABLE_SIZE: the router talks to many neighbours. */
#define ARP_TABLE_SIZE                  64
/** ARP_QUEUEING==1: keep packets waiting for ARP resolution. */
#define ARP_QUEUEING                    1
#define MEMP_NUM_ARP_QUEUE              64
/** ARP_QUEUE_LEN: packets kept per unresolved neighbour (a traceroute
 * burst reaches the router before the next hop answers ARP). */
#define ARP_QUEUE_LEN                   32
/** ETHARP_SUPPORT_STATIC_ENTRIES: not used. */
#define ETHARP_SUPPORT_STATIC_ENTRIES   0
/** IP_FORWARD==0: the router app forwards itself (apps/router_fwd.c). */
#define IP_FORWARD                      0
#define IP_REASSEMBLY                   1
#define IP_FRAG                         1
#define LWIP_DHCP                       1
/** DHCP_DOES_ARP_CHECK==1: probe the offered address with ARP (RFC 2131 2.2). */
#define DHCP_DOES_ARP_CHECK             1
/** DHCP_COARSE_TIMER_SECS: lease timer tick; 1 s so T1/T2 from the server
 * are honoured to the second (patches/0001 and 0002). */
#define DHCP_COARSE_TIMER_SECS          1
#define LWIP_AUTOIP                     0
#define LWIP_IGMP                       0
#define LWIP_DNS                        0
#define LWIP_RAW                        0

/* ---------- IPv6 ---------- */
#define LWIP_IPV6                       1
/** LWIP_IPV6_AUTOCONFIG==1: SLAAC from router advertisements. */
#define LWIP_IPV6_AUTOCONFIG            1
#define LWIP_IPV6_DHCP6                 0
#define LWIP_IPV6_NUM_ADDRESSES         4
/** IPV6_FRAG_COPYHEADER==1: needed with 64-bit pointers. */
#define IPV6_FRAG_COPYHEADER            1
/** LWIP_ND6_ALLOW_RA_UPDATES==1: take MTU and hop limit from RAs. */
#define LWIP_ND6_ALLOW_RA_UPDATES       1

/* ---------- TCP ---------- */
#define TCP_MSS                         1460
/** TCP_WND, TCP_SND_BUF: 32 segments; content goes out zero-copy. */
#define TCP_WND                         (32 * TCP_MSS)
#define TCP_SND_BUF                     (32 * TCP_MSS)
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   2
/** TCP_LISTEN_BACKLOG==1: the httpd answers 503 beyond its limit. */
#define TCP_LISTEN_BACKLOG              0
#define LWIP_TCP_KEEPALIVE              0

/** LWIP_HOOK_TCP_ISN: RFC 6528 sequence numbers (tcp_isn.c). */
#define LWIP_HOOK_FILENAME              "rumptcpip_hooks.h"
#define LWIP_HOOK_TCP_ISN               rumptcpip_tcp_isn
/** LWIP_HOOK_IP4_INPUT, LWIP_HOOK_TCP_INPACKET_PCB: checks lwIP lacks
 * (filters.c: UDP length, segments without ACK). */
#define LWIP_HOOK_IP4_INPUT             rumptcpip_ip4_input
#define LWIP_HOOK_TCP_INPACKET_PCB      rumptcpip_tcp_inpkt

/* ---------- netif ---------- */
#define LWIP_NETIF_STATUS_CALLBACK      1
/** LWIP_NETIF_EXT_STATUS_CALLBACK==1: address changes, v4 and v6. */
#define LWIP_NETIF_EXT_STATUS_CALLBACK  1
#define LWIP_NETIF_HOSTNAME             1
#define LWIP_SINGLE_NETIF               0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0

/* ---------- checksums and statistics ---------- */
/** LWIP_CHKSUM_ALGORITHM 3: 32-bit at a time. */
#define LWIP_CHKSUM_ALGORITHM           3
#define LWIP_STATS                      1
#define LWIP_STATS_DISPLAY              0
#define MEMP_STATS                      1
#define SYS_STATS                       0
#define MIB2_STATS                      0

/* ---------- debugging ---------- */
#define LWIP_DEBUG                      0
#define LWIP_DBG_TYPES_ON               LWIP_DBG_OFF

#endif /* RUMPNET_LWIPOPTS_H */
