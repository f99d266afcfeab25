/*
 * console.c - minios console output on the Xen PV console ring.
 *
 * The ring page and its event channel come from start_info; the page is
 * in the boot region, so output works from the first instruction of
 * start_kernel(). We are the producer of `out`: wait for space
 * (re-reading out_cons, yielding the vCPU meanwhile), copy, wmb, publish
 * out_prod, notify. "\n" goes out as "\r\n" for terminals. In panic mode
 * output is also copied to console_io (seen in `xl dmesg` on debug Xen
 * builds) and a stuck ring is given up on instead of waited for.
 * Also implements hyp_console_write() and hyp_printf().
 * Not here: console input, the emergency 0xE9 port (PVH).
 */
#include <minios/os.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>
#include <xen/io/console.h>
#include <stdio.h>

static struct xencons_interface *cons;
static evtchn_port_t cons_port;
static int panic_mode;

void console_init(void)
{
	cons = mfn_to_virt(start_info->console.domU.mfn);
	cons_port = start_info->console.domU.evtchn;
}

void console_panic_mode(void)
{
	panic_mode = 1;
}

static void notify(void)
{
	evtchn_send_t send = { .port = cons_port };

	(void)HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

/* Wait for one free byte; returns 0 if we gave up (panic mode). */
static int wait_space(void)
{
	unsigned long tries = 0;

	while (cons->out_prod - ACCESS_ONCE(cons->out_cons) >=
	       sizeof(cons->out)) {
		notify();
		(void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (panic_mode && ++tries > 100000)
			return 0;
	}
	return 1;
}

static void put_bytes(const char *s, size_t n)
{
	XENCONS_RING_IDX prod = cons->out_prod;
	size_t i;

	for (i = 0; i < n; i++) {
		if (prod - ACCESS_ONCE(cons->out_cons) >= sizeof(cons->out)) {
			wmb(); /* data before the index that publishes it */
			cons->out_prod = prod;
			if (!wait_space())
				return;
		}
		cons->out[MASK_XENCONS_IDX(prod, cons->out)] = s[i];
		prod++;
	}
	wmb(); /* data before the index that publishes it */
	cons->out_prod = prod;
}

void console_write(const char *s, size_t n)
{
	size_t start = 0, i;

	if (panic_mode)
		(void)HYPERVISOR_console_io(CONSOLEIO_write, n, s);
	if (!cons)
		return;
	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		put_bytes(s + start, i - start);
		put_bytes("\r\n", 2);
		start = i + 1;
	}
	put_bytes(s + start, n - start);
	notify();
}

void console_flush(void)
{
	unsigned long tries;

	if (!cons)
		return;
	for (tries = 0; tries < 200000; tries++) {
		if (ACCESS_ONCE(cons->out_cons) == cons->out_prod)
			return;
		notify();
		(void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return n;
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n :
		      sizeof(buf) - 1);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void hyp_console_write(const char *s, size_t n)
{
	console_write(s, n);
}

int hyp_vprintf(const char *fmt, va_list ap)
{
	return vprintk(fmt, ap);
}

int hyp_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
