/*
 * xenbus.c - minios xenstore client over the shared ring.
 *
 * Requests are written whole under a writer lock (a message may be
 * bigger than the 1 KiB ring: it is streamed as space frees up).
 * Replies and watch events are read by whichever waiting thread runs
 * xs_pump(): it reassembles messages (header, then payload, each
 * possibly split), hands replies to the request with the same req_id
 * and queues watch events on the watch with the same token, then wakes
 * all waiters to re-check. The store event channel handler only wakes.
 * Not here: permissions, suspend/resume, XS_DIRECTORY_PART.
 */
#include <minios/os.h>
#include <minios/events.h>
#include <minios/sched.h>
#include <minios/exit.h>
#include <minios/xenbus.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>
#include <xen/io/xs_wire.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xs_req {
	uint32_t id;
	int done;
	uint32_t type;
	char *body;
	uint32_t len;
	struct xs_req *next;
};

struct wevent {
	struct wevent *next;
	char *path;
};

struct xenbus_watch {
	char token[16];
	char *path;
	struct wevent *head, *tail;
	struct xenbus_watch *next;
};

static struct xenstore_domain_interface *xs;
static evtchn_port_t xs_port;
static struct waitq xs_wq;         /* waiters for ring progress */
static struct waitq writer_wq;     /* waiters for the writer lock */
static int writer_busy;
static uint32_t next_id = 1;
static struct xs_req *reqs;        /* requests awaiting replies */
static struct xenbus_watch *watches;
static domid_t self_id;

/* Message being reassembled from the response ring. */
static struct {
	struct xsd_sockmsg hdr;
	uint32_t hdr_got;
	char *body;
	uint32_t body_got;
} in;

static void xs_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	waitq_wake_all(&xs_wq);
}

static void copy_from_ring(void *dst, XENSTORE_RING_IDX idx, uint32_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(idx);
	uint32_t first = MIN(n, XENSTORE_RING_SIZE - off);

	memcpy(dst, xs->rsp + off, first);
	memcpy((char *)dst + first, xs->rsp, n - first);
}

static void dispatch_watch(char *body, uint32_t len)
{
	const char *path = body;
	size_t plen = strnlen(body, len);
	const char *token = plen < len ? body + plen + 1 : "";
	struct xenbus_watch *w;

	for (w = watches; w; w = w->next) {
		struct wevent *ev;

		if (strcmp(w->token, token))
			continue;
		ev = hyp_malloc(sizeof(*ev));
		if (!ev || !(ev->path = strdup(path))) {
			hyp_free(ev);
			printk("xenbus: dropped watch event for %s\n", path);
			return;
		}
		ev->next = NULL;
		if (w->tail)
			w->tail->next = ev;
		else
			w->head = ev;
		w->tail = ev;
		return;
	}
}

static void dispatch(void)
{
	struct xs_req *r;

	if (in.hdr.type == XS_WATCH_EVENT) {
		dispatch_watch(in.body, in.hdr.len);
		hyp_free(in.body);
		return;
	}
	for (r = reqs; r; r = r->next) {
		if (r->id == in.hdr.req_id && !r->done) {
			r->type = in.hdr.type;
			r->body = in.body;
			r->len = in.hdr.len;
			r->done = 1;
			return;
		}
	}
	hyp_free(in.body); /* nobody waits for it any more */
}

/* Read whatever the daemon has sent; thread context. */
static void xs_pump(void)
{
	int progress = 0;

	for (;;) {
		XENSTORE_RING_IDX cons = xs->rsp_cons;
		XENSTORE_RING_IDX prod = ACCESS_ONCE(xs->rsp_prod);
		uint32_t avail, n;

		rmb(); /* read rsp_prod before the data it covers */
		if (cons == prod)
			break;
		avail = prod - cons;
		if (in.hdr_got < sizeof(in.hdr)) {
			n = MIN(avail, (uint32_t)sizeof(in.hdr) - in.hdr_got);
			copy_from_ring((char *)&in.hdr + in.hdr_got, cons, n);
			in.hdr_got += n;
			if (in.hdr_got == sizeof(in.hdr)) {
				if (in.hdr.len > XENSTORE_PAYLOAD_MAX)
					minios_panic("xenbus: reply of %u bytes",
						     in.hdr.len);
				in.body = hyp_malloc(in.hdr.len + 1);
				if (!in.body)
					minios_panic("xenbus: no memory for reply");
				in.body_got = 0;
			}
		} else {
			n = MIN(avail, in.hdr.len - in.body_got);
			copy_from_ring(in.body + in.body_got, cons, n);
			in.body_got += n;
		}
		mb(); /* finish reading before handing the space back */
		xs->rsp_cons = cons + n;
		progress = 1;
		if (in.hdr_got == sizeof(in.hdr) && in.body_got == in.hdr.len) {
			in.body[in.hdr.len] = 0;
			dispatch();
			in.hdr_got = 0;
			in.body = NULL;
		}
	}
	if (progress) {
		evtchn_send(xs_port);
		waitq_wake_all(&xs_wq);
	}
}

static uint32_t ring_space(void)
{
	xs_pump();
	return XENSTORE_RING_SIZE -
		(xs->req_prod - ACCESS_ONCE(xs->req_cons));
}

static void write_ring(const char *data, uint32_t len)
{
	while (len) {
		XENSTORE_RING_IDX prod;
		uint32_t n, off;

		(void)wait_event_deadline(&xs_wq, ring_space() > 0, 0);
		prod = xs->req_prod;
		off = MASK_XENSTORE_IDX(prod);
		n = MIN(len, ring_space());
		n = MIN(n, XENSTORE_RING_SIZE - off);
		memcpy(xs->req + off, data, n);
		wmb(); /* the request bytes before the index publishing them */
		xs->req_prod = prod + n;
		evtchn_send(xs_port);
		data += n;
		len -= n;
	}
}

static int map_error(const char *e)
{
	static const struct { const char *name; int err; } tab[] = {
		{ "ENOENT", HYP_ENOENT }, { "EAGAIN", HYP_EAGAIN },
		{ "EINVAL", HYP_EINVAL }, { "ENOMEM", HYP_ENOMEM },
		{ "ENOSPC", HYP_ENOMEM }, { "E2BIG", HYP_E2BIG },
		{ "EBUSY", HYP_EBUSY },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (!strcmp(e, tab[i].name))
			return tab[i].err;
	return HYP_EIO;
}

struct piece {
	const void *p;
	uint32_t len;
};

/* Send one request, wait for its reply. *reply is malloc'd. */
static int xs_talk(uint32_t type, xenbus_tx_t tx, const struct piece *pc,
		   unsigned int npc, char **reply, uint32_t *rlen)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = tx };
	struct xs_req req = { 0 }, **pp;
	unsigned int i;
	int err = 0;

	for (i = 0; i < npc; i++)
		hdr.len += pc[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return HYP_E2BIG;
	req.id = hdr.req_id = next_id++;
	req.next = reqs;
	reqs = &req;

	(void)wait_event_deadline(&writer_wq, !writer_busy, 0);
	writer_busy = 1;
	write_ring((const char *)&hdr, sizeof(hdr));
	for (i = 0; i < npc; i++)
		write_ring(pc[i].p, pc[i].len);
	writer_busy = 0;
	waitq_wake_all(&writer_wq);

	(void)wait_event_deadline(&xs_wq, (xs_pump(), req.done), 0);
	for (pp = &reqs; *pp; pp = &(*pp)->next)
		if (*pp == &req) {
			*pp = req.next;
			break;
		}
	if (req.type == XS_ERROR) {
		err = map_error(req.body);
		hyp_free(req.body);
		return err;
	}
	if (reply) {
		*reply = req.body;
		if (rlen)
			*rlen = req.len;
	} else {
		hyp_free(req.body);
	}
	return 0;
}

static struct piece str_piece(const char *s)
{
	struct piece p = { s, (uint32_t)strlen(s) + 1 };

	return p;
}

int xenbus_read(xenbus_tx_t tx, const char *path, char **value)
{
	struct piece p = str_piece(path);

	return xs_talk(XS_READ, tx, &p, 1, value, NULL);
}

int xenbus_write(xenbus_tx_t tx, const char *path, const char *value)
{
	struct piece p[2] = { str_piece(path),
			      { value, (uint32_t)strlen(value) } };

	return xs_talk(XS_WRITE, tx, p, 2, NULL, NULL);
}

int xenbus_rm(xenbus_tx_t tx, const char *path)
{
	struct piece p = str_piece(path);

	return xs_talk(XS_RM, tx, &p, 1, NULL, NULL);
}

int xenbus_directory(xenbus_tx_t tx, const char *path, char ***names,
		     unsigned int *n)
{
	struct piece p = str_piece(path);
	uint32_t len, i, count = 0;
	char *body, **arr, *s;
	int err = xs_talk(XS_DIRECTORY, tx, &p, 1, &body, &len);

	if (err)
		return err;
	for (i = 0; i < len; i++)
		if (!body[i])
			count++;
	arr = hyp_malloc(count * sizeof(char *) + len + 1);
	if (!arr) {
		hyp_free(body);
		return HYP_ENOMEM;
	}
	s = (char *)(arr + count);
	memcpy(s, body, len + 1);
	hyp_free(body);
	for (i = 0; i < count; i++) {
		arr[i] = s;
		s += strlen(s) + 1;
	}
	*names = arr;
	*n = count;
	return 0;
}

int xenbus_transaction_start(xenbus_tx_t *tx)
{
	struct piece p = { "", 1 };
	char *id;
	int err = xs_talk(XS_TRANSACTION_START, 0, &p, 1, &id, NULL);

	if (err)
		return err;
	*tx = (xenbus_tx_t)strtoul(id, NULL, 10);
	hyp_free(id);
	return 0;
}

int xenbus_transaction_end(xenbus_tx_t tx, int abort)
{
	struct piece p = str_piece(abort ? "F" : "T");

	return xs_talk(XS_TRANSACTION_END, tx, &p, 1, NULL, NULL);
}

int xenbus_watch(const char *path, struct xenbus_watch **out)
{
	static unsigned int next_token;
	struct xenbus_watch *w = hyp_calloc(1, sizeof(*w));
	struct piece p[2];
	int err;

	if (!w || !(w->path = strdup(path))) {
		hyp_free(w);
		return HYP_ENOMEM;
	}
	snprintf(w->token, sizeof(w->token), "rn%u", ++next_token);
	w->next = watches;
	watches = w;
	p[0] = str_piece(path);
	p[1] = str_piece(w->token);
	err = xs_talk(XS_WATCH, 0, p, 2, NULL, NULL);
	if (err) {
		xenbus_unwatch(w);
		return err;
	}
	*out = w;
	return 0;
}

int xenbus_watch_wait(struct xenbus_watch *w, uint64_t deadline,
		      char **path)
{
	struct wevent *ev;
	int err = wait_event_deadline(&xs_wq, (xs_pump(), w->head != NULL),
				      deadline);

	if (err)
		return err;
	ev = w->head;
	w->head = ev->next;
	if (!w->head)
		w->tail = NULL;
	*path = ev->path;
	hyp_free(ev);
	return 0;
}

void xenbus_unwatch(struct xenbus_watch *w)
{
	struct xenbus_watch **pp;
	struct piece p[2] = { str_piece(w->path), str_piece(w->token) };

	(void)xs_talk(XS_UNWATCH, 0, p, 2, NULL, NULL);
	for (pp = &watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	while (w->head) {
		struct wevent *ev = w->head;

		w->head = ev->next;
		hyp_free(ev->path);
		hyp_free(ev);
	}
	hyp_free(w->path);
	hyp_free(w);
}

domid_t xenbus_domid(void)
{
	return self_id;
}

void xenbus_init(void)
{
	char *v;
	int err;

	xs = mfn_to_virt(start_info->store_mfn);
	xs_port = start_info->store_evtchn;
	err = evtchn_bind(xs_port, xs_event, NULL);
	if (err)
		minios_panic("xenbus: cannot bind port %u: %d", xs_port, err);
	err = xenbus_read(0, "domid", &v);
	if (err)
		minios_panic("xenbus: cannot read domid: %d", err);
	self_id = (domid_t)strtoul(v, NULL, 10);
	hyp_free(v);
}
