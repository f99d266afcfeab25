/*
 * checks_xen.c - Xen-only self-tests of the minios layers a netfront
 * needs: event channel loopback (alloc_unbound to ourselves, then
 * bind_interdomain to that port; send on one end, the other end's
 * handler fires; masked events wait for unmask), grant access plus
 * GNTTABOP_copy round trips (source by grant ref, dest by grant ref),
 * and xenstore write/read/directory/watch/transaction/rm under
 * ~/data/rumpnet-selftest (~/data is writable by the guest).
 * Compiled only for PLATFORM=xen.
 */
#include <stdio.h>
#include <string.h>
#include <minios/os.h>
#include <minios/events.h>
#include <minios/gnttab.h>
#include <minios/xenbus.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

static volatile int ev_hits;
static struct hyp_sem *ev_sem;

static void ev_handler(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	ev_hits++;
	hyp_sem_post(ev_sem);
}

static void check_evtchn(void)
{
	domid_t self = xenbus_domid();
	int a, b, i, got = 0, masked_ok, after_unmask;

	if (hyp_sem_create(&ev_sem, 0)) {
		st_report("evtchn_loopback", 0, "sem create failed");
		return;
	}
	a = evtchn_alloc_unbound(self, ev_handler, NULL);
	b = a > 0 ? evtchn_bind_interdomain(self, (evtchn_port_t)a, NULL, NULL)
		: -1;
	if (a <= 0 || b <= 0) {
		st_report("evtchn_loopback", 0, "alloc=%d bind=%d", a, b);
		return;
	}
	/* bind_interdomain leaves the local end pending: drain. */
	while (hyp_sem_trywait(ev_sem) == 0)
		;
	ev_hits = 0;
	for (i = 0; i < 10; i++) {
		evtchn_send((evtchn_port_t)b);
		if (hyp_sem_wait(ev_sem, hyp_clock_monotonic() + 1000000000ULL)
		    == 0)
			got++;
	}
	evtchn_mask((evtchn_port_t)a);
	evtchn_send((evtchn_port_t)b);
	masked_ok = hyp_sem_wait(ev_sem, hyp_clock_monotonic() + 20000000) ==
		HYP_ETIMEDOUT;
	evtchn_unmask((evtchn_port_t)a);
	after_unmask = hyp_sem_wait(ev_sem,
				    hyp_clock_monotonic() + 1000000000ULL) == 0;
	evtchn_close((evtchn_port_t)b);
	evtchn_close((evtchn_port_t)a);
	st_report("evtchn_loopback", got == 10 && masked_ok && after_unmask,
		  "ports=%d,%d delivered=%d/10 masked_held=%d unmask_delivered=%d",
		  a, b, got, masked_ok, after_unmask);
	hyp_sem_destroy(ev_sem);
}

static int copy_one(gnttab_copy_t *op)
{
	if (gnttab_copy(op, 1))
		return -100;
	return op->status;
}

static void check_grant(void)
{
	domid_t self = xenbus_domid();
	unsigned char *a = hyp_memalign(4096, 4096);
	unsigned char *b = hyp_memalign(4096, 4096);
	gnttab_copy_t op;
	int ref, st1 = -1, st2 = -1, same1 = 0, same2 = 0, end1, end2 = -1;
	unsigned int i, free0 = gnttab_free_count();

	if (!a || !b) {
		st_report("grant_copy", 0, "no memory");
		return;
	}
	for (i = 0; i < 4096; i++)
		a[i] = (unsigned char)(i * 7 + 1);
	memset(b, 0, 4096);

	/* 1: read a through a read-only grant, write b by frame. */
	ref = gnttab_grant_access(self, virt_to_mfn(a), 1);
	memset(&op, 0, sizeof(op));
	op.source.u.ref = (grant_ref_t)ref;
	op.source.domid = DOMID_SELF;
	op.source.offset = 100;
	op.dest.u.gmfn = virt_to_mfn(b);
	op.dest.domid = DOMID_SELF;
	op.dest.offset = 200;
	op.len = 1000;
	op.flags = GNTCOPY_source_gref;
	if (ref >= 0) {
		st1 = copy_one(&op);
		same1 = !memcmp(a + 100, b + 200, 1000) && b[199] == 0;
	}
	end1 = ref >= 0 ? gnttab_end_access((grant_ref_t)ref) : ref;

	/* 2: write b through a writable grant, read a by frame. */
	ref = gnttab_grant_access(self, virt_to_mfn(b), 0);
	memset(&op, 0, sizeof(op));
	op.source.u.gmfn = virt_to_mfn(a);
	op.source.domid = DOMID_SELF;
	op.dest.u.ref = (grant_ref_t)ref;
	op.dest.domid = DOMID_SELF;
	op.len = 4096;
	op.flags = GNTCOPY_dest_gref;
	if (ref >= 0) {
		st2 = copy_one(&op);
		same2 = !memcmp(a, b, 4096);
		end2 = gnttab_end_access((grant_ref_t)ref);
	}
	st_report("grant_copy", st1 == GNTST_okay && same1 && end1 == 0 &&
		  st2 == GNTST_okay && same2 && end2 == 0 &&
		  gnttab_free_count() == free0,
		  "src_gref=%d/%d dst_gref=%d/%d end=%d,%d free=%u", st1, same1,
		  st2, same2, end1, end2, gnttab_free_count());
	hyp_free(a);
	hyp_free(b);
}

#define BASE "data/rumpnet-selftest"

static int has(char **names, unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* A 2000-byte value (xenstored's default quota for a guest's node is
 * 2048): bigger than the 1 KiB rings, so both the request and the reply
 * are streamed in pieces. Returns 1, or the first error. */
#define BIG 2000
static int big_round_trip(void)
{
	char *big = hyp_malloc(BIG + 1), *back = NULL;
	int i, err;

	if (!big)
		return HYP_ENOMEM;
	for (i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 26);
	big[BIG] = 0;
	err = xenbus_write(0, BASE "/big", big);
	if (!err)
		err = xenbus_read(0, BASE "/big", &back);
	if (!err)
		err = strcmp(big, back) ? -1000 : 1;
	hyp_free(back);
	hyp_free(big);
	return err;
}

static void check_xs_basic(void)
{
	char *v = NULL, **names = NULL;
	unsigned int n = 0;
	int w1, w2, r, d, rm, gone, big;

	w1 = xenbus_write(0, BASE "/a", "hello");
	w2 = xenbus_write(0, BASE "/b", "");
	r = xenbus_read(0, BASE "/a", &v);
	d = xenbus_directory(0, BASE, &names, &n);
	rm = xenbus_rm(0, BASE "/b");
	gone = xenbus_read(0, BASE "/b", NULL) == HYP_ENOENT;
	big = big_round_trip();
	st_report("xenstore_rw", !w1 && !w2 && !r && v && !strcmp(v, "hello") &&
		  !d && has(names, n, "a") && has(names, n, "b") && !rm && gone &&
		  big == 1,
		  "write=%d,%d read=%d value=%s dir=%d entries=%u rm=%d gone=%d"
		  " big%d=%d", w1, w2, r, v ? v : "-", d, n, rm, gone, BIG, big);
	hyp_free(v);
	hyp_free(names);
}

static void check_xs_watch(void)
{
	struct xenbus_watch *w;
	char *p1 = NULL, *p2 = NULL;
	int err, e1 = -1, e2 = -1, wr = -1, fired;

	err = xenbus_watch(BASE "/w", &w);
	if (err) {
		st_report("xenstore_watch", 0, "watch=%d", err);
		return;
	}
	/* A new watch fires once at once. */
	e1 = xenbus_watch_wait(w, hyp_clock_monotonic() + 2000000000ULL, &p1);
	wr = xenbus_write(0, BASE "/w/x", "1");
	do {
		hyp_free(p2);
		p2 = NULL;
		e2 = xenbus_watch_wait(w, hyp_clock_monotonic() + 2000000000ULL,
				       &p2);
	} while (!e2 && !strstr(p2, "/w/x"));
	fired = !e2 && p2 && strstr(p2, BASE "/w/x");
	xenbus_unwatch(w);
	st_report("xenstore_watch", !e1 && !wr && fired,
		  "initial=%d write=%d event=%d path=%s", e1, wr, e2,
		  p2 ? p2 : "-");
	hyp_free(p1);
	hyp_free(p2);
}

static void check_xs_transaction(void)
{
	xenbus_tx_t tx;
	char *v1 = NULL, *v2 = NULL;
	int err, tries = 0, aborted_absent, ok;

	do {
		err = xenbus_transaction_start(&tx);
		if (err)
			break;
		err = xenbus_write(tx, BASE "/t1", "one");
		if (!err)
			err = xenbus_write(tx, BASE "/t2", "two");
		if (err) {
			xenbus_transaction_end(tx, 1);
			break;
		}
		err = xenbus_transaction_end(tx, 0);
	} while (err == HYP_EAGAIN && ++tries < 5);
	ok = !err && !xenbus_read(0, BASE "/t1", &v1) &&
		!xenbus_read(0, BASE "/t2", &v2) && !strcmp(v1, "one") &&
		!strcmp(v2, "two");
	/* An aborted transaction leaves nothing behind. */
	aborted_absent = 0;
	if (!xenbus_transaction_start(&tx)) {
		xenbus_write(tx, BASE "/t3", "three");
		xenbus_transaction_end(tx, 1);
		aborted_absent = xenbus_read(0, BASE "/t3", NULL) == HYP_ENOENT;
	}
	st_report("xenstore_transaction", ok && aborted_absent,
		  "commit=%d retries=%d values=%s,%s abort_clean=%d", err, tries,
		  v1 ? v1 : "-", v2 ? v2 : "-", aborted_absent);
	hyp_free(v1);
	hyp_free(v2);
	xenbus_rm(0, BASE);
}

void st_checks_platform(void)
{
	check_evtchn();
	check_grant();
	check_xs_basic();
	check_xs_watch();
	check_xs_transaction();
}
