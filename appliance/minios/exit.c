/*
 * exit.c - minios shutdown, panic, and hyp_exit()/hyp_panic().
 *
 * Shutdown is SCHEDOP_shutdown with the reason xl reports (poweroff,
 * reboot, crash). A panic prints "rumpnet: PANIC: <msg>", a backtrace
 * line of return addresses from the frame-pointer chain, and crashes
 * the domain; if the hypervisor ever returned, we spin on
 * SCHEDOP_block with events masked rather than run on.
 * Not here: suspend, the ~/control/shutdown watch.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/console.h>
#include <minios/exit.h>
#include <rumpnet/hyper.h>

void minios_shutdown(unsigned int reason)
{
	sched_shutdown_t sd = { .reason = reason };

	console_flush();
	for (;;) {
		(void)HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
		sd.reason = SHUTDOWN_crash;
	}
}

static void __attribute__((noreturn)) vpanic(const char *fmt, va_list ap)
{
	console_panic_mode();
	printk("rumpnet: PANIC: ");
	vprintk(fmt, ap);
	printk("\nrumpnet: backtrace:");
	arch_backtrace((uint64_t)__builtin_frame_address(0), 0, 0);
	minios_shutdown(SHUTDOWN_crash);
}

void minios_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(fmt, ap);
	va_end(ap);
}

void hyp_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(fmt, ap);
	va_end(ap);
}

void hyp_exit(enum hyp_exit_how how, int status)
{
	static const char *const names[] = {
		[HYP_EXIT_POWEROFF] = "poweroff",
		[HYP_EXIT_REBOOT] = "reboot",
		[HYP_EXIT_CRASH] = "crash",
	};
	unsigned int reason;

	switch (how) {
	case HYP_EXIT_POWEROFF:
		reason = SHUTDOWN_poweroff;
		break;
	case HYP_EXIT_REBOOT:
		reason = SHUTDOWN_reboot;
		break;
	default:
		how = HYP_EXIT_CRASH;
		reason = SHUTDOWN_crash;
		break;
	}
	printk("rumpnet: exit %s status %d\n", names[how], status);
	minios_shutdown(reason);
}
