/*
 * netfront.h - private structures of the rumpnet Xen vif frontend,
 * shared by netfront.c (rings, data path, link state) and netfront_xs.c
 * (the xenstore handshake).
 *
 * Context: minios threads are cooperative on one vCPU. Every function
 * here runs in thread context; the event channel handler only sets
 * `kick` and wakes the NIC thread. The data path (xmit, flush,
 * frame_done, rx poll, tx reap, rx refill) never blocks, so a thread
 * cannot be switched out in the middle of it: it needs no lock. Ring
 * teardown happens only in the NIC thread (or in hyp_nic_close after
 * that thread has ended), never while the rx callback runs.
 * Not here: the public API (rumpnet/hyper.h hyp_nic_*).
 */
#ifndef RUMPNET_NETFRONT_H
#define RUMPNET_NETFRONT_H

#include <minios/os.h>
#include <minios/sched.h>
#include <minios/xenbus.h>
#include <rumpnet/hyper.h>

/* io/ring.h wants the guest's barriers under these names (os.h's). */
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

/* Receive buffers per vif: one 4 KiB page each (netback copies a frame
 * into a whole page). Posted on the 256-slot RX ring. */
#ifndef NF_RX_BUFS
#define NF_RX_BUFS 64
#endif
/* Transmit slots per vif: 2 KiB halves of pages, a frame <= 1514 bytes
 * fits one half without crossing the page (netback's rule). */
#ifndef NF_TX_SLOTS
#define NF_TX_SLOTS 64
#endif
#define NF_TX_SLOT_SIZE 2048
#define NF_TX_PAGES (NF_TX_SLOTS * NF_TX_SLOT_SIZE / PAGE_SIZE)
/* Frames handed to the rx callback per pass before refilling. */
#define NF_RX_BUDGET 32
/* frame_done wakes the NIC thread to refill when fewer are posted. */
#define NF_RX_LOW (NF_RX_BUFS / 4)
/* NIC thread tick: how often it looks at the backend-state watch. */
#define NF_TICK_NS (250ULL * 1000 * 1000)
/* Deadline for each handshake step (QEMU-emulated labs are slow). */
#define NF_HANDSHAKE_NS (30ULL * 1000 * 1000 * 1000)
#define NF_MAX_NICS 8
#define NF_NO_GREF ((grant_ref_t)~0U)
#define NF_NONE 0xffff
/* Entries of each shared ring on one page (256 for both, §8.1). */
#define NF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, PAGE_SIZE)

enum nf_link {
	NF_DOWN,      /* no rings: never connected, or backend went away */
	NF_CONNECTED, /* rings up, backend Connected: I/O allowed */
	NF_GONE,      /* frontend dir vanished (xl network-detach) */
};

enum nf_rxb_state {
	NF_RXB_FREE,   /* on the free list, ready to post */
	NF_RXB_POSTED, /* on the RX ring, owned by the backend */
	NF_RXB_HELD,   /* handed to the rx callback, not released yet */
	NF_RXB_DEAD,   /* grant could not be ended: never reused */
};

struct nf_rxbuf {
	void *page;              /* 4 KiB page the backend copies into */
	grant_ref_t gref;        /* writable grant of page, or NF_NO_GREF */
	uint16_t state;          /* enum nf_rxb_state */
	uint16_t next;           /* free-list link (index) or NF_NONE */
	struct hyp_frame frame;  /* what the rx callback gets; priv = us */
};

struct nf_txpage {
	void *page;              /* 4 KiB page holding two tx slots */
	grant_ref_t gref;        /* read-only grant of page, or NF_NO_GREF */
	int dead;                /* grant could not be ended: never reused */
};

struct hyp_nic {
	/* identity; set at open/rebind, read by everyone */
	int index;               /* hyp_nic_open() index */
	unsigned int devid;      /* N of ~/device/vif/N */
	char nodename[32];       /* "device/vif/N" (relative to home) */
	char backend[96];        /* backend dir, absolute */
	domid_t backend_id;      /* backend domain */
	struct hyp_nic_info info;/* mac, mtu, name "vif/N" */

	/* link state; changed only by the NIC thread (or open/close) */
	enum nf_link link;       /* see enum nf_link */
	XenbusState fe_state;    /* last state we wrote to xenstore */
	struct xenbus_watch *watch; /* on <backend>/state */
	char watched[96];        /* backend dir the watch is on */
	int ever_connected;      /* a reconnect counts only after this */

	/* rings; valid while link == NF_CONNECTED */
	netif_tx_front_ring_t tx;   /* TX ring, front view */
	netif_rx_front_ring_t rx;   /* RX ring, front view */
	void *tx_ring_page;      /* shared TX sring page */
	void *rx_ring_page;      /* shared RX sring page */
	grant_ref_t tx_ring_ref; /* writable grant of tx_ring_page */
	grant_ref_t rx_ring_ref; /* writable grant of rx_ring_page */
	evtchn_port_t port;      /* our end of the event channel, 0 none */

	/* receive side; protects: nothing needed (cooperative, see top) */
	struct nf_rxbuf rxb[NF_RX_BUFS]; /* all receive buffers */
	uint16_t rx_free;        /* head of free rxb list or NF_NONE */
	unsigned int rx_nfree;   /* buffers on the free list */
	unsigned int rx_posted;  /* buffers on the ring */
	uint16_t rx_slot[NF_RX_RING_SIZE]; /* ring slot -> rxb index */
	int rx_skip;             /* dropping the rest of a multi-slot frame */
	hyp_nic_rx_fn rx_cb;     /* the receiver */
	void *rx_arg;            /* its argument */

	/* transmit side; same rule */
	struct nf_txpage txp[NF_TX_PAGES]; /* pages behind the tx slots */
	uint16_t tx_next[NF_TX_SLOTS];   /* free-list links */
	uint8_t tx_busy[NF_TX_SLOTS];    /* slot is on the ring */
	uint16_t tx_free;        /* head of free slot list or NF_NONE */
	unsigned int tx_nfree;   /* free slots */
	int tx_unpushed;         /* requests queued with HYP_NIC_MORE */

	/* NIC thread */
	struct hyp_thread *thread;  /* "vifN": rx, reap, refill, link */
	struct waitq wq;         /* the NIC thread sleeps here */
	volatile int kick;       /* set by the event handler / frame_done */
	volatile int closing;    /* hyp_nic_close asked the thread to end */
	unsigned int dumped;     /* last counter dump request printed */

	struct hyp_nic_counters cnt; /* named counters (see hyper.h);
				      * rx_nobuf counts the times the RX
				      * ring ran dry (the backend drops
				      * frames then; it cannot tell us how
				      * many) */
};

/* netfront_xs.c: the xenstore side. All may block. */
int nf_xs_devids(unsigned int *ids, int max);
int nf_xs_read_config(struct hyp_nic *dev);
int nf_xs_frontend_exists(struct hyp_nic *dev);
int nf_xs_backend_state(struct hyp_nic *dev);
int nf_xs_backend_online(struct hyp_nic *dev);
int nf_xs_set_state(struct hyp_nic *dev, XenbusState st);
int nf_xs_watch(struct hyp_nic *dev);
void nf_xs_unwatch(struct hyp_nic *dev);
int nf_xs_changed(struct hyp_nic *dev);
int nf_xs_connect(struct hyp_nic *dev);

#endif /* RUMPNET_NETFRONT_H */
