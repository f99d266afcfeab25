/*
 * netfront.c - Xen vif frontend for rumpnet appliances: the hyp_nic_*
 * functions of rumpnet/hyper.h on minios.
 *
 * Speaks xen/io/netif.h: one TX ring, one RX ring, RX in copy mode.
 * Not supported: feature-sg, multi-queue, checksum offload (we write
 * feature-no-csum-offload), GSO; a multi-slot or extra-info RX frame is
 * dropped and counted in errors.
 *
 * TX: hyp_nic_xmit() copies the frame into a 2 KiB slot of a page that
 *     stays granted (read-only) while connected, posts one request and,
 *     without HYP_NIC_MORE, pushes and kicks the backend if it asks;
 *     nf_tx_reap() reclaims slots from the responses, in batches.
 * RX: nf_rx_refill() posts every free buffer page (granted writable
 *     while connected) and notifies once per batch; nf_rx_poll() hands
 *     each frame to the rx callback in place, in its page (no bounce
 *     copy); hyp_nic_frame_done() returns the page to the free list.
 * Link: one thread per vif ("vifN") runs rx, reap and refill when the
 *     event channel fires, and every NF_TICK_NS looks at the watch on
 *     the backend's state: on Closing/Closed/vanished it stops I/O,
 *     says Closed, waits for the backend, closes the port and ends the
 *     grants; when a backend (the same or a new vif) is back at
 *     InitWait it builds fresh rings and redoes the handshake.
 * Counters: hyper.h's named counters; printed on the console at each
 *     disconnect/reconnect and on VIRQ_DEBUG (`xl debug-keys q`).
 */
#include <string.h>

#include <minios/events.h>
#include <minios/exit.h>
#include <minios/gnttab.h>
#include <minios/mm.h>
#include "netfront.h"

static struct hyp_nic *nics[NF_MAX_NICS];
static volatile unsigned int dump_gen; /* bumped by VIRQ_DEBUG */
static int debug_virq_bound;

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

static void nf_print_counters(struct hyp_nic *dev, const char *why)
{
	const struct hyp_nic_counters *c = &dev->cnt;

	hyp_printf("netfront: %s %s: tx=%llu rx=%llu tx_bytes=%llu "
		   "rx_bytes=%llu tx_full=%llu rx_nobuf=%llu errors=%llu "
		   "reconnects=%llu\n", dev->info.name, why,
		   (unsigned long long)c->tx, (unsigned long long)c->rx,
		   (unsigned long long)c->tx_bytes,
		   (unsigned long long)c->rx_bytes,
		   (unsigned long long)c->tx_full,
		   (unsigned long long)c->rx_nobuf,
		   (unsigned long long)c->errors,
		   (unsigned long long)c->reconnects);
}

/* Event handler: wake the NIC thread. Upcall context, never blocks. */
static void nf_event(evtchn_port_t port, void *arg)
{
	struct hyp_nic *dev = arg;

	(void)port;
	dev->kick = 1;
	waitq_wake_all(&dev->wq);
}

/* VIRQ_DEBUG handler: every NIC thread prints its counters. */
static void nf_debug_virq(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	dump_gen++;
	for (int i = 0; i < NF_MAX_NICS; i++)
		if (nics[i])
			nf_event(0, nics[i]);
}

/* ------------------------------------------------------------------ */
/* Buffers: allocated at open, kept across reconnects                  */
/* ------------------------------------------------------------------ */

static void nf_rxb_put(struct hyp_nic *dev, struct nf_rxbuf *b)
{
	b->state = NF_RXB_FREE;
	b->next = dev->rx_free;
	dev->rx_free = (uint16_t)(b - dev->rxb);
	dev->rx_nfree++;
}

static void nf_tx_put(struct hyp_nic *dev, uint16_t slot)
{
	dev->tx_busy[slot] = 0;
	dev->tx_next[slot] = dev->tx_free;
	dev->tx_free = slot;
	dev->tx_nfree++;
}

/* Rebuild both free lists from the buffer states (link down). */
static void nf_reset_lists(struct hyp_nic *dev)
{
	dev->rx_free = NF_NONE;
	dev->rx_nfree = 0;
	dev->rx_posted = 0;
	dev->rx_skip = 0;
	for (int i = NF_RX_BUFS - 1; i >= 0; i--)
		if (dev->rxb[i].state == NF_RXB_FREE ||
		    dev->rxb[i].state == NF_RXB_POSTED)
			nf_rxb_put(dev, &dev->rxb[i]);
	dev->tx_free = NF_NONE;
	dev->tx_nfree = 0;
	dev->tx_unpushed = 0;
	for (int s = NF_TX_SLOTS - 1; s >= 0; s--)
		if (!dev->txp[s * NF_TX_SLOT_SIZE / PAGE_SIZE].dead)
			nf_tx_put(dev, (uint16_t)s);
}

static int nf_bufs_alloc(struct hyp_nic *dev)
{
	for (int i = 0; i < NF_RX_BUFS; i++) {
		struct nf_rxbuf *b = &dev->rxb[i];

		b->page = page_alloc(1, 1);
		if (!b->page)
			return HYP_ENOMEM;
		b->gref = NF_NO_GREF;
		b->state = NF_RXB_FREE;
		b->frame.priv = b;
	}
	for (unsigned int i = 0; i < NF_TX_PAGES; i++) {
		dev->txp[i].page = page_alloc(1, 1);
		if (!dev->txp[i].page)
			return HYP_ENOMEM;
		dev->txp[i].gref = NF_NO_GREF;
	}
	nf_reset_lists(dev);
	return 0;
}

/* Free the pages whose grants ended (all, after a clean disconnect). */
static void nf_bufs_free(struct hyp_nic *dev)
{
	for (int i = 0; i < NF_RX_BUFS; i++)
		if (dev->rxb[i].page && dev->rxb[i].state != NF_RXB_DEAD)
			page_free(dev->rxb[i].page, 1);
	for (unsigned int i = 0; i < NF_TX_PAGES; i++)
		if (dev->txp[i].page && !dev->txp[i].dead)
			page_free(dev->txp[i].page, 1);
}

/* ------------------------------------------------------------------ */
/* Rings, grants, event channel: one set per connection                */
/* ------------------------------------------------------------------ */

/* End a grant, giving the backend up to ~1 s to let go of the page.
 * Thread context; may block. 0, or HYP_EBUSY (leave the page alone). */
static int nf_end_grant(grant_ref_t *ref)
{
	if (*ref == NF_NO_GREF)
		return 0;
	for (int i = 0; i < 100; i++) {
		if (gnttab_end_access(*ref) == 0) {
			*ref = NF_NO_GREF;
			return 0;
		}
		hyp_sleep(10 * 1000 * 1000);
	}
	return HYP_EBUSY;
}

static int nf_grant(struct hyp_nic *dev, void *page, int ro,
		    grant_ref_t *ref)
{
	int r = gnttab_grant_access(dev->backend_id, virt_to_mfn(page), ro);

	if (r < 0)
		return r;
	*ref = (grant_ref_t)r;
	return 0;
}

/* Undo nf_rings_init, whatever part of it ran. The backend must have
 * let go (state Closed or gone). A page whose grant cannot be ended is
 * leaked on purpose. May block. */
static void nf_rings_fini(struct hyp_nic *dev)
{
	if (dev->port) {
		(void)evtchn_close(dev->port);
		dev->port = 0;
	}
	for (int i = 0; i < NF_RX_BUFS; i++)
		if (nf_end_grant(&dev->rxb[i].gref)) {
			dev->rxb[i].state = NF_RXB_DEAD;
			dev->cnt.errors++;
		}
	for (unsigned int i = 0; i < NF_TX_PAGES; i++)
		if (nf_end_grant(&dev->txp[i].gref)) {
			dev->txp[i].dead = 1;
			dev->cnt.errors++;
		}
	if (dev->tx_ring_page && nf_end_grant(&dev->tx_ring_ref) == 0)
		page_free(dev->tx_ring_page, 1);
	if (dev->rx_ring_page && nf_end_grant(&dev->rx_ring_ref) == 0)
		page_free(dev->rx_ring_page, 1);
	dev->tx_ring_page = dev->rx_ring_page = NULL;
	nf_reset_lists(dev);
}

/* Fresh rings, grants for rings and buffers, an unbound port. */
static int nf_rings_init(struct hyp_nic *dev)
{
	netif_tx_sring_t *txs;
	netif_rx_sring_t *rxs;
	int err = HYP_ENOMEM, r;

	dev->tx_ring_ref = dev->rx_ring_ref = NF_NO_GREF;
	dev->tx_ring_page = page_alloc(1, 1);
	dev->rx_ring_page = page_alloc(1, 1);
	if (!dev->tx_ring_page || !dev->rx_ring_page)
		goto undo_rings;
	txs = dev->tx_ring_page;
	rxs = dev->rx_ring_page;
	memset(txs, 0, PAGE_SIZE);
	memset(rxs, 0, PAGE_SIZE);
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&dev->tx, txs, PAGE_SIZE);
	FRONT_RING_INIT(&dev->rx, rxs, PAGE_SIZE);
	err = nf_grant(dev, txs, 0, &dev->tx_ring_ref);
	if (!err)
		err = nf_grant(dev, rxs, 0, &dev->rx_ring_ref);
	for (int i = 0; !err && i < NF_RX_BUFS; i++)
		if (dev->rxb[i].state != NF_RXB_DEAD)
			err = nf_grant(dev, dev->rxb[i].page, 0,
				       &dev->rxb[i].gref);
	for (unsigned int i = 0; !err && i < NF_TX_PAGES; i++)
		if (!dev->txp[i].dead)
			err = nf_grant(dev, dev->txp[i].page, 1,
				       &dev->txp[i].gref);
	if (err)
		goto undo_rings;
	r = evtchn_alloc_unbound(dev->backend_id, nf_event, dev);
	if (r < 0) {
		err = r;
		goto undo_rings;
	}
	dev->port = (evtchn_port_t)r;
	nf_reset_lists(dev);
	return 0;
undo_rings:
	nf_rings_fini(dev);
	return err;
}

/* ------------------------------------------------------------------ */
/* Data path: never blocks                                             */
/* ------------------------------------------------------------------ */

/* Post every free buffer; notify the backend once for the batch. */
static void nf_rx_refill(struct hyp_nic *dev)
{
	unsigned int n = 0;
	int notify;

	while (dev->rx_free != NF_NONE && !RING_FULL(&dev->rx)) {
		struct nf_rxbuf *b = &dev->rxb[dev->rx_free];
		RING_IDX i = dev->rx.req_prod_pvt;
		netif_rx_request_t *req = RING_GET_REQUEST(&dev->rx, i);

		dev->rx_free = b->next;
		dev->rx_nfree--;
		b->state = NF_RXB_POSTED;
		req->id = (uint16_t)(b - dev->rxb);
		req->gref = b->gref;
		dev->rx_slot[i & (NF_RX_RING_SIZE - 1)] = req->id;
		dev->rx.req_prod_pvt = i + 1;
		dev->rx_posted++;
		n++;
	}
	if (n == 0)
		return;
	/* the macro's wmb orders the requests before req_prod, its mb
	 * orders req_prod before reading the backend's req_event */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->rx, notify);
	if (notify)
		(void)evtchn_send(dev->port);
}

/* One RX response (copied out of the ring). May call the rx callback. */
static void nf_rx_one(struct hyp_nic *dev, RING_IDX i,
		      const netif_rx_response_t *rsp)
{
	uint16_t bi = dev->rx_slot[i & (NF_RX_RING_SIZE - 1)];
	struct nf_rxbuf *b;
	int skip = dev->rx_skip;

	if (bi >= NF_RX_BUFS || dev->rxb[bi].state != NF_RXB_POSTED) {
		dev->cnt.errors++;
		return;
	}
	b = &dev->rxb[bi];
	if (--dev->rx_posted == 0)
		dev->cnt.rx_nobuf++;
	dev->rx_skip = (rsp->flags & (NETRXF_more_data | NETRXF_extra_info))
		       != 0;
	if (skip || dev->rx_skip || rsp->status <= 0 || rsp->id != bi ||
	    rsp->offset + rsp->status > (int)PAGE_SIZE) {
		if (!skip)
			dev->cnt.errors++;
		nf_rxb_put(dev, b);
		return;
	}
	b->state = NF_RXB_HELD;
	b->frame.data = (char *)b->page + rsp->offset;
	b->frame.len = (size_t)rsp->status;
	dev->cnt.rx++;
	dev->cnt.rx_bytes += (uint64_t)rsp->status;
	dev->rx_cb(dev->rx_arg, &b->frame);
}

/* Hand up to NF_RX_BUDGET frames to the callback. Sets kick when work
 * is left so the thread comes back after refilling. */
static void nf_rx_poll(struct hyp_nic *dev)
{
	unsigned int budget = NF_RX_BUDGET;
	int more;

	do {
		RING_IDX prod = dev->rx.sring->rsp_prod;

		rmb(); /* responses are read after the rsp_prod that covers them */
		while (dev->rx.rsp_cons != prod && budget) {
			RING_IDX i = dev->rx.rsp_cons;
			netif_rx_response_t rsp = *RING_GET_RESPONSE(&dev->rx, i);

			dev->rx.rsp_cons = i + 1; /* slot free before the callback */
			nf_rx_one(dev, i, &rsp);
			budget--;
		}
		if (!budget) {
			dev->kick = 1;
			return;
		}
		/* sets rsp_event = rsp_cons + 1, mb, re-reads rsp_prod */
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->rx, more);
	} while (more);
}

/* Reclaim the slots of every transmitted frame. */
static void nf_tx_reap(struct hyp_nic *dev)
{
	int more;

	do {
		RING_IDX prod = dev->tx.sring->rsp_prod;

		rmb(); /* responses are read after the rsp_prod that covers them */
		for (RING_IDX i = dev->tx.rsp_cons; i != prod; i++) {
			netif_tx_response_t *rsp = RING_GET_RESPONSE(&dev->tx, i);

			if (rsp->status == NETIF_RSP_NULL)
				continue;
			if (rsp->id >= NF_TX_SLOTS || !dev->tx_busy[rsp->id]) {
				dev->cnt.errors++;
				continue;
			}
			if (rsp->status != NETIF_RSP_OKAY)
				dev->cnt.errors++;
			nf_tx_put(dev, rsp->id);
		}
		dev->tx.rsp_cons = prod;
		/* sets rsp_event = rsp_cons + 1, mb, re-reads rsp_prod */
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->tx, more);
	} while (more);
}

static void nf_tx_push(struct hyp_nic *dev)
{
	int notify;

	dev->tx_unpushed = 0;
	/* wmb: requests before req_prod; mb: req_prod before req_event */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->tx, notify);
	if (notify)
		(void)evtchn_send(dev->port);
}

/* Everything one wake-up of the NIC thread does while connected. */
static void nf_service(struct hyp_nic *dev)
{
	nf_rx_poll(dev);
	if (dev->link != NF_CONNECTED)
		return;
	nf_tx_reap(dev);
	nf_rx_refill(dev);
}

/* ------------------------------------------------------------------ */
/* Link state: connect, disconnect, follow the backend                 */
/* ------------------------------------------------------------------ */

/* Stop I/O, tell the backend we are Closed, wait (bounded) until it is
 * Closed or gone, then close the port and end all grants. May block. */
static void nf_disconnect(struct hyp_nic *dev)
{
	uint64_t deadline = hyp_clock_monotonic() + 10ULL * 1000000000;
	char *path;
	int st;

	dev->link = NF_DOWN;
	if (dev->port)
		evtchn_mask(dev->port);
	(void)nf_xs_set_state(dev, XenbusStateClosed);
	while ((st = nf_xs_backend_state(dev)) >= 0 && st != XenbusStateClosed &&
	       st != XenbusStateInitWait && st != XenbusStateInitialising) {
		if (!dev->watch ||
		    xenbus_watch_wait(dev->watch, deadline, &path) != 0)
			break;
		hyp_free(path);
	}
	nf_rings_fini(dev);
}

/* Build rings and run the handshake. 0 or an error (rings undone). */
static int nf_connect(struct hyp_nic *dev)
{
	int err;

	err = nf_xs_watch(dev);
	if (err)
		return err;
	err = nf_rings_init(dev);
	if (err) {
		hyp_printf("netfront: %s: no rings: error %d\n", dev->info.name,
			   err);
		return err;
	}
	err = nf_xs_connect(dev);
	if (err) {
		nf_disconnect(dev);
		return err;
	}
	dev->link = NF_CONNECTED;
	nf_rx_refill(dev);
	hyp_printf("netfront: %s connected: backend %s (dom %u) port %u "
		   "rx %u buffers, tx %u slots\n", dev->info.name, dev->backend,
		   dev->backend_id, dev->port, dev->rx_posted, dev->tx_nfree);
	if (dev->ever_connected) {
		dev->cnt.reconnects++;
		nf_print_counters(dev, "reconnected");
	}
	dev->ever_connected = 1;
	return 0;
}

static int nf_devid_claimed(unsigned int devid, const struct hyp_nic *self)
{
	for (int i = 0; i < NF_MAX_NICS; i++)
		if (nics[i] && nics[i] != self && nics[i]->devid == devid)
			return 1;
	return 0;
}

/* Our vif vanished: take a vif nobody else drives (a re-attached vif
 * may get a new devid). 0 if we now have a frontend dir. */
static int nf_rebind(struct hyp_nic *dev)
{
	unsigned int ids[NF_MAX_NICS * 2];
	int n = nf_xs_devids(ids, (int)ARRAY_SIZE(ids));

	for (int i = 0; i < n; i++) {
		unsigned int old = dev->devid;

		if (nf_devid_claimed(ids[i], dev))
			continue;
		dev->devid = ids[i];
		if (nf_xs_read_config(dev) == 0)
			return 0;
		dev->devid = old;
	}
	return HYP_ENOENT;
}

/* Called by the NIC thread every tick: follow the backend's state. */
static void nf_link_check(struct hyp_nic *dev)
{
	uint8_t mac[6];
	int fired = nf_xs_changed(dev), st;

	if (dev->link == NF_CONNECTED) {
		if (!fired)
			return;
		st = nf_xs_backend_state(dev);
		if (st == XenbusStateConnected)
			return;
		hyp_printf("netfront: %s: backend state %d, disconnecting\n",
			   dev->info.name, st);
		nf_disconnect(dev);
		nf_print_counters(dev, "disconnected");
		return;
	}
	/* Down or gone: is a backend ready for a fresh handshake? */
	if (!nf_xs_frontend_exists(dev) && nf_rebind(dev)) {
		if (dev->link != NF_GONE)
			hyp_printf("netfront: %s: unplugged, waiting for a vif\n",
				   dev->info.name);
		dev->link = NF_GONE;
		return;
	}
	memcpy(mac, dev->info.mac, 6);
	if (nf_xs_read_config(dev) || nf_xs_watch(dev))
		return;
	st = nf_xs_backend_state(dev);
	if (st != XenbusStateInitWait &&
	    !(st == XenbusStateClosed && nf_xs_backend_online(dev)))
		return; /* e.g. Closed and offline: being detached */
	if (memcmp(mac, dev->info.mac, 6))
		hyp_printf("netfront: %s: backend mac changed; the stack keeps"
			   " the old one\n", dev->info.name);
	dev->link = NF_DOWN;
	(void)nf_connect(dev);
}

static void nf_thread(void *arg)
{
	struct hyp_nic *dev = arg;
	uint64_t tick = hyp_clock_monotonic() + NF_TICK_NS;

	while (!dev->closing) {
		(void)wait_event_deadline(&dev->wq, dev->kick || dev->closing,
					  tick);
		dev->kick = 0;
		if (dev->link == NF_CONNECTED)
			nf_service(dev);
		if (dev->dumped != dump_gen) {
			dev->dumped = dump_gen;
			nf_print_counters(dev, "counters");
		}
		if (hyp_clock_monotonic() >= tick) {
			nf_link_check(dev);
			tick = hyp_clock_monotonic() + NF_TICK_NS;
		}
		if (dev->kick)
			hyp_thread_yield(); /* rx budget spent: let others run */
	}
	if (dev->link == NF_CONNECTED)
		nf_disconnect(dev);
}

/* ------------------------------------------------------------------ */
/* hyper.h                                                             */
/* ------------------------------------------------------------------ */

int hyp_nic_count(void)
{
	unsigned int ids[NF_MAX_NICS];

	return nf_xs_devids(ids, NF_MAX_NICS);
}

static void nf_free(struct hyp_nic *dev)
{
	nf_xs_unwatch(dev);
	nf_bufs_free(dev);
	for (int i = 0; i < NF_MAX_NICS; i++)
		if (nics[i] == dev)
			nics[i] = NULL;
	hyp_free(dev);
}

/*
 * Find vif number `index` (in ascending devid order), connect it and
 * start its thread. Returns 0, HYP_ENOENT (no such vif, or already
 * open), HYP_ENOMEM, HYP_EIO (handshake failed). May block for up to
 * twice NF_HANDSHAKE_NS. Thread context.
 */
int hyp_nic_open(int index, hyp_nic_rx_fn rx, void *arg,
		 struct hyp_nic **out, struct hyp_nic_info *info)
{
	unsigned int ids[NF_MAX_NICS];
	int n = nf_xs_devids(ids, NF_MAX_NICS), slot = -1, err;
	struct hyp_nic *dev;

	ASSERT(hyp_thread_self() != NULL);
	if (index < 0 || index >= n || nf_devid_claimed(ids[index], NULL))
		return HYP_ENOENT;
	for (int i = 0; i < NF_MAX_NICS && slot < 0; i++)
		if (!nics[i])
			slot = i;
	if (slot < 0)
		return HYP_ENOENT;
	dev = hyp_calloc(1, sizeof(*dev));
	if (!dev)
		return HYP_ENOMEM;
	dev->index = index;
	dev->devid = ids[index];
	dev->rx_cb = rx;
	dev->rx_arg = arg;
	nics[slot] = dev;
	err = nf_xs_read_config(dev);
	if (err) {
		hyp_printf("netfront: vif/%u: bad toolstack keys: error %d\n",
			   dev->devid, err);
		err = HYP_EIO;
		goto free_dev;
	}
	err = nf_bufs_alloc(dev);
	if (err)
		goto free_dev;
	err = nf_connect(dev);
	if (err) {
		err = err == HYP_ENOMEM ? err : HYP_EIO;
		goto free_dev;
	}
	err = hyp_thread_create(&dev->thread, dev->info.name, nf_thread, dev,
				0);
	if (err)
		goto disconnect;
	if (!debug_virq_bound &&
	    evtchn_bind_virq(VIRQ_DEBUG, nf_debug_virq, NULL) > 0)
		debug_virq_bound = 1;
	*info = dev->info;
	*out = dev;
	return 0;
disconnect:
	nf_disconnect(dev);
free_dev:
	nf_free(dev);
	return err;
}

/* Give a received frame's page back; it is posted again by the NIC
 * thread's next refill. Never blocks. Any thread. */
void hyp_nic_frame_done(struct hyp_nic *dev, struct hyp_frame *frame)
{
	struct nf_rxbuf *b = frame->priv;

	ASSERT(b >= dev->rxb && b < dev->rxb + NF_RX_BUFS &&
	       b->state == NF_RXB_HELD);
	nf_rxb_put(dev, b);
	if (dev->link == NF_CONNECTED && dev->rx_posted < NF_RX_LOW) {
		dev->kick = 1;
		waitq_wake_all(&dev->wq);
	}
}

/* Copy one frame into a tx slot and post it; push unless HYP_NIC_MORE.
 * Returns 0, HYP_ENOTCONN (link down), HYP_EINVAL (size/iovcnt),
 * HYP_EAGAIN (no free slot: counted in tx_full). Never blocks. */
int hyp_nic_xmit(struct hyp_nic *dev, const struct hyp_iovec *iov,
		 int iovcnt, int flags)
{
	netif_tx_request_t *req;
	size_t total = 0;
	uint16_t slot;
	char *dst;

	if (dev->link != NF_CONNECTED)
		return HYP_ENOTCONN;
	if (iovcnt < 1 || iovcnt > 8)
		return HYP_EINVAL;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].len;
	if (total < 14 || total > (size_t)dev->info.mtu + 14)
		return HYP_EINVAL;
	if (dev->tx_free == NF_NONE || RING_FULL(&dev->tx))
		nf_tx_reap(dev);
	if (dev->tx_free == NF_NONE || RING_FULL(&dev->tx)) {
		dev->cnt.tx_full++;
		if (dev->tx_unpushed)
			nf_tx_push(dev);
		return HYP_EAGAIN;
	}
	slot = dev->tx_free;
	dev->tx_free = dev->tx_next[slot];
	dev->tx_nfree--;
	dev->tx_busy[slot] = 1;
	dst = (char *)dev->txp[slot / 2].page + (slot % 2) * NF_TX_SLOT_SIZE;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(dst, iov[i].base, iov[i].len);
		dst += iov[i].len;
	}
	req = RING_GET_REQUEST(&dev->tx, dev->tx.req_prod_pvt);
	req->gref = dev->txp[slot / 2].gref;
	req->offset = (uint16_t)((slot % 2) * NF_TX_SLOT_SIZE);
	req->flags = 0;
	req->id = slot;
	req->size = (uint16_t)total;
	dev->tx.req_prod_pvt++;
	dev->cnt.tx++;
	dev->cnt.tx_bytes += total;
	dev->tx_unpushed = 1;
	if (!(flags & HYP_NIC_MORE))
		nf_tx_push(dev);
	return 0;
}

/* Push the frames queued with HYP_NIC_MORE: one kick. Never blocks. */
void hyp_nic_flush(struct hyp_nic *dev)
{
	if (dev->link == NF_CONNECTED && dev->tx_unpushed)
		nf_tx_push(dev);
}

void hyp_nic_get_counters(struct hyp_nic *dev, struct hyp_nic_counters *c)
{
	*c = dev->cnt;
}

/* Disconnect and free. Frames still held by the caller are invalid
 * afterwards. May block. Thread context, not the NIC's own thread. */
void hyp_nic_close(struct hyp_nic *dev)
{
	ASSERT(hyp_thread_self() != dev->thread);
	dev->closing = 1;
	waitq_wake_all(&dev->wq);
	(void)hyp_thread_join(dev->thread);
	nf_free(dev);
}
