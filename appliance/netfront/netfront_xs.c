/*
 * netfront_xs.c - the xenstore side of the Xen vif frontend: finding
 * the vifs, reading the toolstack's keys, the xenbus state handshake
 * with the backend and the watch on the backend's state.
 *
 * Handshake (XEN_GUEST_FACTS.md §7): read backend, backend-id and mac
 * from ~/device/vif/N; lead the backend to InitWait (walking it through
 * Closing/Closed first if it is in another state); require
 * feature-rx-copy; in one transaction write the ring refs, the event
 * channel, request-rx-copy, feature-rx-notify, feature-no-csum-offload
 * and state = Connected; wait for the backend to be Connected.
 * Every write to our own dir first checks in the same transaction that
 * the dir still exists, so a detached vif is never half re-created.
 * Not here: rings, grants, event channels (netfront.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minios/xenbus.h>
#include "netfront.h"

static const char *const state_names[] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

static const char *state_name(int st)
{
	return st >= 0 && st < (int)ARRAY_SIZE(state_names) ?
	       state_names[st] : "?";
}

/* Read base/key as an unsigned number. */
static int read_ul(const char *base, const char *key, unsigned long *val)
{
	char path[160], *v, *end;
	int err;

	snprintf(path, sizeof(path), "%s/%s", base, key);
	err = xenbus_read(0, path, &v);
	if (err)
		return err;
	*val = strtoul(v, &end, 10);
	err = (end == v) ? HYP_EINVAL : 0;
	hyp_free(v);
	return err;
}

static int write_ul(xenbus_tx_t tx, const char *base, const char *key,
		    unsigned long val)
{
	char path[160], v[24];

	snprintf(path, sizeof(path), "%s/%s", base, key);
	snprintf(v, sizeof(v), "%lu", val);
	return xenbus_write(tx, path, v);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long b = strtoul(s, &end, 16);

		if (end == s || b > 0xff || (i < 5 && *end != ':'))
			return HYP_EINVAL;
		mac[i] = (uint8_t)b;
		s = end + 1;
	}
	return 0;
}

int nf_xs_devids(unsigned int *ids, int max)
{
	char **names;
	unsigned int n;
	int count = 0;

	if (xenbus_directory(0, "device/vif", &names, &n))
		return 0;
	for (unsigned int i = 0; i < n && count < max; i++) {
		unsigned int id = (unsigned int)strtoul(names[i], NULL, 10);
		int j = count++;

		/* insertion sort: devids in ascending order */
		for (; j > 0 && ids[j - 1] > id; j--)
			ids[j] = ids[j - 1];
		ids[j] = id;
	}
	hyp_free(names);
	return count;
}

int nf_xs_read_config(struct hyp_nic *dev)
{
	char path[64], *v;
	unsigned long val;
	int err;

	snprintf(dev->nodename, sizeof(dev->nodename), "device/vif/%u",
		 dev->devid);
	snprintf(dev->info.name, sizeof(dev->info.name), "vif/%u", dev->devid);
	snprintf(path, sizeof(path), "%s/backend", dev->nodename);
	err = xenbus_read(0, path, &v);
	if (err)
		return err;
	strlcpy(dev->backend, v, sizeof(dev->backend));
	hyp_free(v);
	err = read_ul(dev->nodename, "backend-id", &val);
	if (err)
		return err;
	dev->backend_id = (domid_t)val;
	snprintf(path, sizeof(path), "%s/mac", dev->nodename);
	err = xenbus_read(0, path, &v);
	if (err)
		return err;
	err = parse_mac(v, dev->info.mac);
	hyp_free(v);
	if (err)
		return err;
	/* mtu absent means 1500; without feature-sg netback caps it there */
	dev->info.mtu = 1500;
	if (read_ul(dev->nodename, "mtu", &val) == 0 && val >= 576 && val < 1500)
		dev->info.mtu = (uint16_t)val;
	if (read_ul(dev->nodename, "state", &val) == 0)
		dev->fe_state = (XenbusState)val;
	return 0;
}

int nf_xs_frontend_exists(struct hyp_nic *dev)
{
	unsigned long val;

	return read_ul(dev->nodename, "backend-id", &val) == 0;
}

int nf_xs_backend_state(struct hyp_nic *dev)
{
	unsigned long val;
	int err = read_ul(dev->backend, "state", &val);

	return err ? err : (int)val;
}

/* 1 if the toolstack wants the backend to exist (online = 1). */
int nf_xs_backend_online(struct hyp_nic *dev)
{
	unsigned long val;

	return read_ul(dev->backend, "online", &val) == 0 && val == 1;
}

/* Write our state, unless our dir is gone (then HYP_ENOENT). */
int nf_xs_set_state(struct hyp_nic *dev, XenbusState st)
{
	char path[64], *v;
	xenbus_tx_t tx;
	int err;

again:
	err = xenbus_transaction_start(&tx);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/backend", dev->nodename);
	err = xenbus_read(tx, path, &v);
	if (err)
		goto abort_transaction;
	hyp_free(v);
	err = write_ul(tx, dev->nodename, "state", st);
	if (err)
		goto abort_transaction;
	err = xenbus_transaction_end(tx, 0);
	if (err == HYP_EAGAIN)
		goto again;
	if (err == 0)
		dev->fe_state = st;
	return err;
abort_transaction:
	(void)xenbus_transaction_end(tx, 1);
	return err;
}

int nf_xs_watch(struct hyp_nic *dev)
{
	char path[128];
	int err;

	if (dev->watch && strcmp(dev->watched, dev->backend) == 0)
		return 0;
	nf_xs_unwatch(dev);
	snprintf(path, sizeof(path), "%s/state", dev->backend);
	err = xenbus_watch(path, &dev->watch);
	if (err) {
		dev->watch = NULL;
		return err;
	}
	strlcpy(dev->watched, dev->backend, sizeof(dev->watched));
	return 0;
}

void nf_xs_unwatch(struct hyp_nic *dev)
{
	if (dev->watch)
		xenbus_unwatch(dev->watch);
	dev->watch = NULL;
	dev->watched[0] = '\0';
}

/* Drain the watch without blocking: 1 if it fired since last time. */
int nf_xs_changed(struct hyp_nic *dev)
{
	char *path;
	int fired = 0;

	/* deadline 1 ns after boot: already past, so this never sleeps */
	while (dev->watch && xenbus_watch_wait(dev->watch, 1, &path) == 0) {
		hyp_free(path);
		fired = 1;
	}
	return fired;
}

/* Move our state so that netback heads for `want`: Connected and
 * Initialised backends are walked through Closing and Closed, a Closed
 * one (still online) back to InitWait by our Initialising. */
static void lead_backend(struct hyp_nic *dev, int st)
{
	XenbusState next = dev->fe_state;

	switch (st) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured:
		next = XenbusStateClosing;
		break;
	case XenbusStateClosing:
		next = XenbusStateClosed;
		break;
	case XenbusStateClosed:
		if (nf_xs_backend_online(dev))
			next = XenbusStateInitialising;
		break;
	default:
		break;
	}
	if (next != dev->fe_state)
		(void)nf_xs_set_state(dev, next);
}

/* Wait until the backend's state is `want`, leading it there when it
 * waits for InitWait. HYP_ETIMEDOUT at deadline, HYP_ENOENT when our
 * dir vanished, HYP_EIO when the backend closes instead of connecting. */
static int wait_backend(struct hyp_nic *dev, XenbusState want,
			uint64_t deadline)
{
	for (;;) {
		int st = nf_xs_backend_state(dev);
		char *path;
		int err;

		if (st == (int)want)
			return 0;
		if (st < 0 && !nf_xs_frontend_exists(dev))
			return HYP_ENOENT;
		if (want == XenbusStateInitWait && st >= 0)
			lead_backend(dev, st);
		if (want == XenbusStateConnected &&
		    (st == XenbusStateClosing || st == XenbusStateClosed))
			return HYP_EIO;
		err = xenbus_watch_wait(dev->watch, deadline, &path);
		if (err == HYP_ETIMEDOUT) {
			hyp_printf("netfront: %s: backend stays %s, wanted %s\n",
				   dev->info.name, state_name(st),
				   state_name(want));
			return err;
		}
		if (err)
			return err;
		hyp_free(path);
	}
}

/* The one transaction that hands our rings to the backend. */
static int publish(struct hyp_nic *dev)
{
	const char *msg;
	char path[64], *v;
	xenbus_tx_t tx;
	int err;

again:
	msg = "starting transaction";
	err = xenbus_transaction_start(&tx);
	if (err)
		goto fail;
	msg = "checking our dir";
	snprintf(path, sizeof(path), "%s/backend", dev->nodename);
	err = xenbus_read(tx, path, &v);
	if (err)
		goto abort_transaction;
	hyp_free(v);
	msg = "writing tx-ring-ref";
	err = write_ul(tx, dev->nodename, "tx-ring-ref", dev->tx_ring_ref);
	if (err)
		goto abort_transaction;
	msg = "writing rx-ring-ref";
	err = write_ul(tx, dev->nodename, "rx-ring-ref", dev->rx_ring_ref);
	if (err)
		goto abort_transaction;
	msg = "writing event-channel";
	err = write_ul(tx, dev->nodename, "event-channel", dev->port);
	if (err)
		goto abort_transaction;
	msg = "writing request-rx-copy";
	err = write_ul(tx, dev->nodename, "request-rx-copy", 1);
	if (err)
		goto abort_transaction;
	msg = "writing feature-rx-notify";
	err = write_ul(tx, dev->nodename, "feature-rx-notify", 1);
	if (err)
		goto abort_transaction;
	msg = "writing feature-no-csum-offload";
	err = write_ul(tx, dev->nodename, "feature-no-csum-offload", 1);
	if (err)
		goto abort_transaction;
	msg = "writing feature-sg";
	err = write_ul(tx, dev->nodename, "feature-sg", 0);
	if (err)
		goto abort_transaction;
	msg = "writing state";
	err = write_ul(tx, dev->nodename, "state", XenbusStateConnected);
	if (err)
		goto abort_transaction;
	msg = "committing";
	err = xenbus_transaction_end(tx, 0);
	if (err == HYP_EAGAIN)
		goto again;
	if (err)
		goto fail;
	dev->fe_state = XenbusStateConnected;
	return 0;
abort_transaction:
	(void)xenbus_transaction_end(tx, 1);
fail:
	hyp_printf("netfront: %s: %s: error %d\n", dev->info.name, msg, err);
	return err;
}

/* The handshake proper; the rings, grants and port are ready. */
int nf_xs_connect(struct hyp_nic *dev)
{
	uint64_t deadline = hyp_clock_monotonic() + NF_HANDSHAKE_NS;
	unsigned long copy = 0;
	int err;

	err = wait_backend(dev, XenbusStateInitWait, deadline);
	if (err)
		return err;
	if (read_ul(dev->backend, "feature-rx-copy", &copy) || copy != 1) {
		hyp_printf("netfront: %s: backend lacks feature-rx-copy\n",
			   dev->info.name);
		return HYP_EIO;
	}
	err = publish(dev);
	if (err)
		return err;
	deadline = hyp_clock_monotonic() + NF_HANDSHAKE_NS;
	return wait_backend(dev, XenbusStateConnected, deadline);
}
