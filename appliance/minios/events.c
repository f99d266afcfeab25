/*
 * events.c - minios event channels: binding, masking, sending, and the
 * upcall dispatcher.
 *
 * The upcall (arch/x86/entry.S -> evtchn_do_upcall) follows the 2-level
 * scan: clear upcall_pending, take the selector word atomically, and
 * for each pending-and-unmasked port clear its pending bit atomically
 * before calling the handler. Repeat while Xen set upcall_pending again.
 * Unmasking goes through EVTCHNOP_unmask so an event that arrived while
 * masked is re-raised, not lost.
 * Not here: FIFO ABI, vCPU binding, handler priorities.
 */
#include <minios/os.h>
#include <minios/events.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>

#define NR_PORTS 1024
#define WORD_BITS 64

struct handler {
	evtchn_handler_t fn;
	void *arg;
};

static struct handler handlers[NR_PORTS];
static unsigned long handled;

void events_init(void)
{
	unsigned int i;

	/* Mask everything until someone binds a handler. */
	for (i = 0; i < ARRAY_SIZE(shared_info->evtchn_mask); i++)
		shared_info->evtchn_mask[i] = ~0UL;
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&shared_info->evtchn_mask[port / WORD_BITS],
			  1UL << (port % WORD_BITS), __ATOMIC_SEQ_CST);
}

void evtchn_unmask(evtchn_port_t port)
{
	evtchn_unmask_t op = { .port = port };

	(void)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_t h, void *arg)
{
	unsigned long flags;

	if (port == 0 || port >= NR_PORTS)
		return HYP_EINVAL;
	flags = irq_save();
	handlers[port].fn = h;
	handlers[port].arg = arg;
	irq_restore(flags);
	evtchn_unmask(port);
	return 0;
}

void evtchn_unbind(evtchn_port_t port)
{
	unsigned long flags;

	if (port >= NR_PORTS)
		return;
	evtchn_mask(port);
	flags = irq_save();
	handlers[port].fn = NULL;
	handlers[port].arg = NULL;
	irq_restore(flags);
}

/* Bind h to a freshly returned port, closing it on failure. */
static int attach(long rc, evtchn_port_t port, evtchn_handler_t h,
		  void *arg)
{
	int err;

	if (rc)
		return HYP_EIO;
	err = evtchn_bind(port, h, arg);
	if (err) {
		evtchn_close_t c = { .port = port };

		(void)HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
		return err;
	}
	return (int)port;
}

int evtchn_bind_virq(uint32_t virq, evtchn_handler_t h, void *arg)
{
	evtchn_bind_virq_t op = { .virq = virq, .vcpu = 0 };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	return attach(rc, op.port, h, arg);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t h, void *arg)
{
	evtchn_alloc_unbound_t op = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	return attach(rc, op.port, h, arg);
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport,
			    evtchn_handler_t h, void *arg)
{
	evtchn_bind_interdomain_t op = {
		.remote_dom = remote, .remote_port = rport,
	};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	return attach(rc, op.local_port, h, arg);
}

int evtchn_close(evtchn_port_t port)
{
	evtchn_close_t op = { .port = port };

	evtchn_unbind(port);
	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op) ? HYP_EIO : 0;
}

int evtchn_send(evtchn_port_t port)
{
	evtchn_send_t op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op) ? HYP_EIO : 0;
}

unsigned long evtchn_count(void)
{
	return handled;
}

static void dispatch(evtchn_port_t port)
{
	handled++;
	if (port < NR_PORTS && handlers[port].fn)
		handlers[port].fn(port, handlers[port].arg);
}

/* Called from hypervisor_callback with events masked. */
void evtchn_do_upcall(void *regs);
void evtchn_do_upcall(void *regs)
{
	vcpu_info_t *v = this_vcpu();

	(void)regs;
	do {
		unsigned long sel;

		v->evtchn_upcall_pending = 0;
		/* The xchg is a full barrier: pending cleared before scan. */
		sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0,
					  __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned int i = (unsigned int)__builtin_ctzl(sel);
			unsigned long w;

			sel &= ~(1UL << i);
			while ((w = ACCESS_ONCE(shared_info->evtchn_pending[i]) &
				    ~ACCESS_ONCE(shared_info->evtchn_mask[i]))) {
				unsigned int j = (unsigned int)__builtin_ctzl(w);

				__atomic_fetch_and(&shared_info->evtchn_pending[i],
						   ~(1UL << j), __ATOMIC_SEQ_CST);
				dispatch(i * WORD_BITS + j);
			}
		}
	} while (ACCESS_ONCE(v->evtchn_upcall_pending));
}
