/*
 * tap.c - NICs of the POSIX platform on Linux TAP devices.
 *
 * NIC <N> is the TAP named by parameter nic<N>.tap (consecutive from 0).
 * If nic<N>.netns names a network namespace (/run/netns/<name>), the
 * TAP is opened inside it, so one process can sit on bridges in several
 * namespaces. The TAP is attached with IFF_TAP|IFF_NO_PI; the NIC's MAC
 * is random and locally administered (the TAP's own MAC is the host
 * side's).
 *
 * RX: one reader thread per NIC waits in poll(2), then reads frames in
 *     a batch (up to RX_BATCH) into buffers from the NIC's free list and
 *     hands each to the rx callback; buffers come back through
 *     hyp_nic_frame_done() from any thread.
 * TX: hyp_nic_xmit() is one writev(2) per frame. A TAP has no doorbell,
 *     so HYP_NIC_MORE and hyp_nic_flush() have nothing to defer.
 * Not here: offloads (no vnet header), multi-queue TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "posix_impl.h"

#define RX_BATCH   64	/* frames read per wake-up */
#define RX_BUFS    512	/* receive buffers per NIC */
#define FRAME_MAX  (9000 + 18)

struct tap_buf {
	struct hyp_frame frame;
	struct tap_buf *next;	/* on the free list */
	uint8_t data[FRAME_MAX];
};

struct hyp_nic {
	int index;
	int fd;			/* the TAP, non-blocking */
	int stop_fd;		/* eventfd: close asks the reader to end */
	uint16_t mtu;
	hyp_nic_rx_fn rx;
	void *rx_arg;
	struct hyp_thread *reader;
	pthread_mutex_t buf_lock;	/* protects: free_bufs */
	struct tap_buf *free_bufs;
	struct tap_buf *bufs;	/* the array, for freeing */
	_Atomic uint64_t tx, rx_count, tx_bytes, rx_bytes, tx_full, rx_nobuf, errors;
};

static int nic_count;

void posix_tap_init(void)
{
	char key[32], buf[IFNAMSIZ];

	for (nic_count = 0; nic_count < 16; nic_count++) {
		snprintf(key, sizeof(key), "nic%d.tap", nic_count);
		if (hyp_param_get(key, buf, sizeof(buf)) <= 0)
			break;
	}
}

int hyp_nic_count(void)
{
	return nic_count;
}

static int nic_param(int index, const char *what, char *buf, size_t len)
{
	char key[32];

	snprintf(key, sizeof(key), "nic%d.%s", index, what);
	return hyp_param_get(key, buf, len);
}

/* Open /dev/net/tun and attach TAP `name`, inside namespace `netns` if
 * it is not empty. Returns the fd or a negative HYP_E* code. */
static int tap_attach(const char *name, const char *netns)
{
	char path[128];
	struct ifreq ifr;
	int fd, home = -1, target = -1, ret = HYP_EIO;

	if (netns[0] != '\0') {
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		target = open(path, O_RDONLY | O_CLOEXEC);
		if (home < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
			hyp_printf("rumpnet: tap %s: cannot enter netns %s\n", name, netns);
			goto close_ns;
		}
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
		if (ioctl(fd, TUNSETIFF, &ifr) == 0)
			ret = fd;
		else {
			hyp_printf("rumpnet: tap %s: TUNSETIFF failed (errno %d)\n", name, errno);
			close(fd);
		}
	}
	if (home >= 0 && setns(home, CLONE_NEWNET) != 0)
		hyp_panic("tap %s: cannot return to the home netns", name);
close_ns:
	if (home >= 0)
		close(home);
	if (target >= 0)
		close(target);
	return ret;
}

static struct tap_buf *buf_get(struct hyp_nic *nic)
{
	struct tap_buf *b;

	pthread_mutex_lock(&nic->buf_lock);
	b = nic->free_bufs;
	if (b != NULL)
		nic->free_bufs = b->next;
	pthread_mutex_unlock(&nic->buf_lock);
	return b;
}

void hyp_nic_frame_done(struct hyp_nic *nic, struct hyp_frame *frame)
{
	struct tap_buf *b = frame->priv;

	pthread_mutex_lock(&nic->buf_lock);
	b->next = nic->free_bufs;
	nic->free_bufs = b;
	pthread_mutex_unlock(&nic->buf_lock);
}

/* Read up to RX_BATCH frames; returns 0 when the TAP is drained. */
static int rx_batch(struct hyp_nic *nic)
{
	static uint8_t sink[FRAME_MAX];

	for (int i = 0; i < RX_BATCH; i++) {
		struct tap_buf *b = buf_get(nic);
		ssize_t n = read(nic->fd, b ? b->data : sink, FRAME_MAX);

		if (n <= 0) {
			if (b != NULL)
				hyp_nic_frame_done(nic, &b->frame);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				nic->errors++;
			return 0;
		}
		if (b == NULL) {
			nic->rx_nobuf++;
			continue;
		}
		nic->rx_count++;
		nic->rx_bytes += (uint64_t)n;
		b->frame.data = b->data;
		b->frame.len = (size_t)n;
		nic->rx(nic->rx_arg, &b->frame);
	}
	return 1;
}

static void reader(void *arg)
{
	struct hyp_nic *nic = arg;
	struct pollfd pfd[2] = {
		{ .fd = nic->fd, .events = POLLIN },
		{ .fd = nic->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			hyp_panic("tap reader: poll failed (errno %d)", errno);
		if (pfd[1].revents != 0)
			return;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			nic->errors++;
			hyp_sleep(100000000ull);	/* TAP went away: do not spin */
		}
		while (rx_batch(nic))
			;
	}
}

static void random_mac(uint8_t mac[6])
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, mac, 6) != 6) {
		uint64_t t = hyp_clock_monotonic() ^ (uint64_t)getpid();

		memcpy(mac, &t, 6);
	}
	if (fd >= 0)
		close(fd);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);	/* unicast, local */
}

static int nic_alloc_bufs(struct hyp_nic *nic)
{
	nic->bufs = hyp_calloc(RX_BUFS, sizeof(struct tap_buf));
	if (nic->bufs == NULL)
		return HYP_ENOMEM;
	for (int i = 0; i < RX_BUFS; i++) {
		nic->bufs[i].frame.priv = &nic->bufs[i];
		nic->bufs[i].next = nic->free_bufs;
		nic->free_bufs = &nic->bufs[i];
	}
	return 0;
}

int hyp_nic_open(int index, hyp_nic_rx_fn rx, void *arg,
		 struct hyp_nic **out, struct hyp_nic_info *info)
{
	char tap[IFNAMSIZ] = "", netns[64] = "", mtu[16], tname[24];
	struct hyp_nic *nic;
	int ret;

	if (index < 0 || index >= nic_count)
		return HYP_ENOENT;
	nic_param(index, "tap", tap, sizeof(tap));
	nic_param(index, "netns", netns, sizeof(netns));
	nic = hyp_calloc(1, sizeof(*nic));
	if (nic == NULL)
		return HYP_ENOMEM;
	nic->index = index;
	nic->rx = rx;
	nic->rx_arg = arg;
	nic->mtu = 1500;
	if (nic_param(index, "mtu", mtu, sizeof(mtu)) > 0 && atoi(mtu) >= 576 && atoi(mtu) <= 9000)
		nic->mtu = (uint16_t)atoi(mtu);
	pthread_mutex_init(&nic->buf_lock, NULL);
	ret = nic_alloc_bufs(nic);
	if (ret < 0)
		goto free_nic;
	nic->fd = tap_attach(tap, netns);
	if (nic->fd < 0) {
		ret = nic->fd;
		goto free_bufs;
	}
	nic->stop_fd = eventfd(0, EFD_CLOEXEC);
	snprintf(tname, sizeof(tname), "tap-rx%d", index);
	ret = hyp_thread_create(&nic->reader, tname, reader, nic, 0);
	if (ret < 0)
		goto close_fd;
	memset(info, 0, sizeof(*info));
	random_mac(info->mac);
	info->mtu = nic->mtu;
	snprintf(info->name, sizeof(info->name), "%s", tap);
	*out = nic;
	return 0;
close_fd:
	close(nic->stop_fd);
	close(nic->fd);
free_bufs:
	hyp_free(nic->bufs);
free_nic:
	hyp_free(nic);
	return ret;
}

int hyp_nic_xmit(struct hyp_nic *nic, const struct hyp_iovec *iov, int iovcnt, int flags)
{
	struct iovec v[8];
	size_t total = 0;
	ssize_t n;

	if (iovcnt < 1 || iovcnt > 8)
		return HYP_EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		v[i].iov_base = (void *)iov[i].base;
		v[i].iov_len = iov[i].len;
		total += iov[i].len;
	}
	if (total > (size_t)nic->mtu + 14 || total < 14)
		return HYP_EINVAL;
	n = writev(nic->fd, v, iovcnt);
	if (n < 0) {
		if (errno == EAGAIN || errno == ENOBUFS) {
			nic->tx_full++;
			return HYP_EAGAIN;
		}
		nic->errors++;
		return errno == EIO || errno == EBADFD ? HYP_ENOTCONN : HYP_EIO;
	}
	nic->tx++;
	nic->tx_bytes += total;
	return 0;
}

void hyp_nic_flush(struct hyp_nic *nic)
{
}

void hyp_nic_get_counters(struct hyp_nic *nic, struct hyp_nic_counters *c)
{
	c->tx = nic->tx;
	c->rx = nic->rx_count;
	c->tx_bytes = nic->tx_bytes;
	c->rx_bytes = nic->rx_bytes;
	c->tx_full = nic->tx_full;
	c->rx_nobuf = nic->rx_nobuf;
	c->errors = nic->errors;
	c->reconnects = 0;
}

void hyp_nic_close(struct hyp_nic *nic)
{
	uint64_t one = 1;

	if (write(nic->stop_fd, &one, sizeof(one)) != sizeof(one))
		hyp_panic("hyp_nic_close: eventfd write failed");
	hyp_thread_join(nic->reader);
	close(nic->stop_fd);
	close(nic->fd);
	hyp_free(nic->bufs);
	hyp_free(nic);
}
