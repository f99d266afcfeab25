/*
 * time.c - minios time from Xen: system time (vcpu_time_info scaled
 * TSC), wall clock (shared_info wc_* plus system time), the one-shot
 * timer (set_timer_op + VIRQ_TIMER) and blocking the idle vCPU; also
 * hyp_clock_monotonic() and hyp_clock_wall(); time_boot_ns(), the time
 * from the first instruction (entry.S / pvh_entry.S read the TSC there)
 * to now.
 *
 * Both time records are read with Xen's version protocol: retry while
 * the version is odd or changed across the read.
 * Idling: PV blocks with SCHEDOP_block (it unmasks events atomically),
 * PVH with sti;hlt.
 * Not here: sleeping threads (sched.c).
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/events.h>
#include <minios/time.h>
#include <minios/exit.h>
#include <rumpnet/hyper.h>

static uint64_t boot_time;
/* TSC at the first instruction; .data: it is written before anything
 * else runs and must not be taken for zero-initialised storage. */
uint64_t boot_tsc __attribute__((section(".data")));
static unsigned long timer_events;

uint64_t xen_system_time(void)
{
	struct vcpu_time_info *t = &this_vcpu()->time;
	uint32_t ver;
	uint64_t sys, delta;
	uint32_t mul;
	int8_t shift;

	do {
		ver = ACCESS_ONCE(t->version);
		rmb(); /* version before the fields */
		sys = t->system_time;
		delta = arch_rdtsc() - t->tsc_timestamp;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		rmb(); /* the fields before the version re-read */
	} while ((ver & 1) || ver != ACCESS_ONCE(t->version));
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t time_boot_ns(void)
{
	struct vcpu_time_info *t = &this_vcpu()->time;
	uint64_t delta = arch_rdtsc() - boot_tsc;
	int8_t shift = ACCESS_ONCE(t->tsc_shift);

	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

uint64_t hyp_clock_monotonic(void)
{
	return xen_system_time() - boot_time;
}

int64_t hyp_clock_wall(void)
{
	uint32_t ver;
	uint64_t sec, nsec, sys;

	do {
		ver = ACCESS_ONCE(shared_info->wc_version);
		rmb(); /* version before the fields */
		sec = ((uint64_t)shared_info->wc_sec_hi << 32) |
			shared_info->wc_sec;
		nsec = shared_info->wc_nsec;
		rmb(); /* the fields before the version re-read */
	} while ((ver & 1) || ver != ACCESS_ONCE(shared_info->wc_version));
	sys = xen_system_time();
	return (int64_t)(sec * 1000000000ULL + nsec + sys);
}

static void timer_handler(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	timer_events++; /* the scheduler checks deadlines itself */
}

unsigned long time_timer_events(void)
{
	return timer_events;
}

void time_init(void)
{
	int port;

	(void)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	port = evtchn_bind_virq(VIRQ_TIMER, timer_handler, NULL);
	if (port < 0)
		minios_panic("cannot bind VIRQ_TIMER: %d", port);
	boot_time = xen_system_time();
}

void time_block_until(uint64_t deadline)
{
	/* set_timer_op takes absolute Xen system time; 0 cancels. */
	(void)HYPERVISOR_set_timer_op(deadline ? deadline + boot_time : 0);
	if (minios_pvh) {
		/* IF=0 here; sti's one-instruction shadow makes sti;hlt
		 * atomic: an event pending now still wakes the hlt. */
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		return;
	}
	/* Unmasks atomically, blocks unless an event is pending; the
	 * upcall runs on the way back. */
	(void)HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	this_vcpu()->evtchn_upcall_mask = 1;
	barrier(); /* masked again before the scheduler looks around */
}
