/*
 * time.h - minios time: Xen system time, wall clock, idling the vCPU.
 * Not here: TSC calibration of our own, timer wheels (sched.c keeps
 * per-thread deadlines; one one-shot Xen timer covers the earliest).
 */
#ifndef MINIOS_TIME_H
#define MINIOS_TIME_H

#include <stdint.h>

/* Stop the 100 Hz periodic timer, bind VIRQ_TIMER, note boot time. */
void time_init(void);
/* Xen system time in ns (since Xen booted). Never blocks. */
uint64_t xen_system_time(void);
/* Called with events masked: arm the one-shot timer for deadline
 * (0 = none), block the vCPU until an event, return masked again. */
void time_block_until(uint64_t deadline);
/* ns from the kernel's first instruction to now (TSC, Xen's scale). */
uint64_t time_boot_ns(void);
/* VIRQ_TIMER events seen (diagnostics, selftest). */
unsigned long time_timer_events(void);

#endif /* MINIOS_TIME_H */
