/*
 * sched.h - minios cooperative threads and wait queues.
 *
 * One vCPU, no preemption: a thread runs until it blocks, yields or
 * exits. Event handlers may call wake_up()/waitq_wake_all() (they only
 * mark threads runnable); everything else is thread context.
 * Not here: priorities, SMP, preemption.
 */
#ifndef MINIOS_SCHED_H
#define MINIOS_SCHED_H

#include <stdint.h>
#include <minios/os.h>
#include <rumpnet/hyper.h>

struct hyp_thread;

/* A list of threads waiting for something. Zero-initialised is empty. */
struct waitq {
	struct hyp_thread *head;
};

/* Turn the boot context into thread "boot" (its stack is static). */
void sched_init(void);
/* Leave the boot context for good: run threads, idle when none runs. */
void sched_start(void) __attribute__((noreturn));
struct hyp_thread *sched_current(void);

/* Give up the CPU; called with events masked (irq_save) by the caller,
 * who has already put itself on a waitq and/or set a deadline. Returns
 * 1 if woken by the deadline, 0 if woken by wake_up(). */
int sched_block(uint64_t deadline);
/* Make t runnable (no-op if it is not blocked). Any context. */
void wake_up(struct hyp_thread *t);
void waitq_add(struct waitq *q, struct hyp_thread *t);
void waitq_remove(struct waitq *q, struct hyp_thread *t);
/* Wake every waiter (they re-check their condition). Any context. */
void waitq_wake_all(struct waitq *q);
/* Wake the first waiter. Any context. */
void waitq_wake_one(struct waitq *q);

/*
 * Wait, in thread context, until `cond` holds or monotonic time passes
 * deadline (0 = none). Evaluates cond with events masked. Yields 0 when
 * cond became true, HYP_ETIMEDOUT otherwise.
 */
#define wait_event_deadline(q, cond, deadline) ({			\
	uint64_t __dl = (deadline);					\
	unsigned long __f = irq_save();					\
	int __r = 0;							\
	while (!(cond)) {						\
		if (__dl && hyp_clock_monotonic() >= __dl) {		\
			__r = HYP_ETIMEDOUT;				\
			break;						\
		}							\
		waitq_add((q), sched_current());			\
		sched_block(__dl);					\
		waitq_remove((q), sched_current());			\
	}								\
	irq_restore(__f);						\
	__r;								\
})

/* Number of threads alive (diagnostics, selftest). */
unsigned int sched_thread_count(void);

#endif /* MINIOS_SCHED_H */
