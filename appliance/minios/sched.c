/*
 * sched.c - minios cooperative scheduler: threads, blocking with
 * deadlines, wait queues, idling the vCPU; hyp_thread_* of hyper.h.
 *
 * All threads sit on one list; the scheduler picks the next runnable
 * one after the current (round robin), first waking those whose
 * deadline passed. With nothing runnable it programs a one-shot timer
 * for the earliest deadline and blocks the vCPU (SCHEDOP_block, which
 * unmasks events atomically); an idle appliance costs no CPU. Thread
 * state is only touched with events masked. Dead detached threads are
 * freed by the next thread that runs; joinable ones by hyp_thread_join.
 * Stack overflow is caught late but loudly: a canary word at the bottom
 * of every thread stack is checked at each switch.
 * Not here: preemption, priorities, stack guard pages.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/sched.h>
#include <minios/time.h>
#include <minios/exit.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>
#include <string.h>

#define DEFAULT_STACK (32 * 1024)
#define STACK_CANARY 0x5ca1ab1e0ddba11ULL /* at the lowest word of a stack */

enum tstate { T_RUNNABLE, T_BLOCKED, T_DEAD };

struct hyp_thread {
	char name[16];
	enum tstate state;
	uint64_t sp;
	void *stack;               /* NULL: static (boot) stack */
	unsigned long stack_size;
	uint64_t deadline;         /* wake at this monotonic time; 0 none */
	int timed_out;
	int joinable;
	void (*fn)(void *);
	void *arg;
	int errno_val;
	struct hyp_thread *next;   /* all-threads list */
	struct hyp_thread *wq_next;/* on a waitq */
	struct waitq *wq;          /* which waitq, if any */
	struct waitq joiners;
};

static struct hyp_thread boot_thread = { .name = "boot" };
static struct hyp_thread *current, *threads;
static int started;
static unsigned int nthreads;
static int global_errno;

extern char boot_stack_top[];

void sched_init(void)
{
	boot_thread.state = T_RUNNABLE;
	boot_thread.stack_size = 16384;
	threads = current = &boot_thread;
	nthreads = 1;
}

struct hyp_thread *sched_current(void)
{
	return current;
}

unsigned int sched_thread_count(void)
{
	return nthreads;
}

int *__errno_location(void)
{
	return current ? &current->errno_val : &global_errno;
}

void waitq_add(struct waitq *q, struct hyp_thread *t)
{
	if (t->wq == q)
		return;
	ASSERT(!t->wq);
	t->wq = q;
	t->wq_next = q->head;
	q->head = t;
}

void waitq_remove(struct waitq *q, struct hyp_thread *t)
{
	struct hyp_thread **pp = &q->head;

	if (t->wq != q)
		return;
	for (; *pp; pp = &(*pp)->wq_next) {
		if (*pp == t) {
			*pp = t->wq_next;
			break;
		}
	}
	t->wq = NULL;
	t->wq_next = NULL;
}

void wake_up(struct hyp_thread *t)
{
	if (t->state == T_BLOCKED) {
		t->state = T_RUNNABLE;
		t->timed_out = 0;
	}
}

void waitq_wake_all(struct waitq *q)
{
	struct hyp_thread *t = q->head;

	for (; t; t = t->wq_next)
		wake_up(t);
}

void waitq_wake_one(struct waitq *q)
{
	struct hyp_thread *t = q->head;

	for (; t; t = t->wq_next) {
		if (t->state == T_BLOCKED) {
			wake_up(t);
			return;
		}
	}
}

static void free_thread(struct hyp_thread *t)
{
	struct hyp_thread **pp;

	for (pp = &threads; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	nthreads--;
	if (t->stack) {
		hyp_free(t->stack);
		hyp_free(t);
	}
}

/* Free dead detached threads other than the one running. */
static void reap(void)
{
	struct hyp_thread *t = threads, *n;

	for (; t; t = n) {
		n = t->next;
		if (t->state == T_DEAD && !t->joinable && t != current &&
		    t->stack)
			free_thread(t);
	}
}

/* Wake deadline-expired threads; return the earliest pending deadline. */
static uint64_t expire(uint64_t now)
{
	struct hyp_thread *t;
	uint64_t earliest = 0;

	for (t = threads; t; t = t->next) {
		if (t->state != T_BLOCKED || !t->deadline)
			continue;
		if (t->deadline <= now) {
			t->state = T_RUNNABLE;
			t->timed_out = 1;
		} else if (!earliest || t->deadline < earliest) {
			earliest = t->deadline;
		}
	}
	return earliest;
}

/*
 * Threads whose deadline passed run first, earliest deadline first (so
 * sleepers wake in order even when several expire together after a
 * long event-less stretch); then round robin from the current thread.
 */
static struct hyp_thread *pick(void)
{
	struct hyp_thread *t, *best = NULL;

	for (t = threads; t; t = t->next)
		if (t->state == T_RUNNABLE && t->timed_out && t->deadline &&
		    (!best || t->deadline < best->deadline))
			best = t;
	if (best)
		return best;
	t = current->next ? current->next : threads;
	for (;;) {
		if (t->state == T_RUNNABLE)
			return t;
		if (t == current)
			return NULL;
		t = t->next ? t->next : threads;
	}
}

/* Switch to the next runnable thread, idling until there is one.
 * Events are masked on entry and on return. */
static void schedule(void)
{
	struct hyp_thread *prev = current, *next;

	for (;;) {
		uint64_t earliest = expire(hyp_clock_monotonic());

		next = pick();
		if (next)
			break;
		time_block_until(earliest);
	}
	if (prev->stack && *(uint64_t *)prev->stack != STACK_CANARY)
		minios_panic("stack overflow in thread %s", prev->name);
	if (next != prev) {
		current = next;
		arch_switch(&prev->sp, next->sp);
	}
	reap();
}

int sched_block(uint64_t deadline)
{
	struct hyp_thread *t = current;

	t->state = T_BLOCKED;
	t->deadline = deadline;
	t->timed_out = 0;
	schedule();
	t->deadline = 0;
	return t->timed_out;
}

void hyp_thread_yield(void)
{
	unsigned long flags;

	if (!started)
		return;
	flags = irq_save();
	schedule();
	irq_restore(flags);
}

void hyp_sleep_until(uint64_t abs_ns)
{
	unsigned long flags = irq_save();

	while (hyp_clock_monotonic() < abs_ns)
		sched_block(abs_ns);
	irq_restore(flags);
}

void hyp_sleep(uint64_t ns)
{
	hyp_sleep_until(hyp_clock_monotonic() + ns);
}

static void thread_main(void *arg)
{
	struct hyp_thread *t = arg;

	irq_enable(); /* new threads start inside schedule(): masked */
	t->fn(t->arg);
	hyp_thread_exit();
}

int hyp_thread_create(struct hyp_thread **out, const char *name,
		      void (*fn)(void *), void *arg, size_t stack_size)
{
	struct hyp_thread *t = hyp_calloc(1, sizeof(*t));
	unsigned long flags;

	if (!t)
		return HYP_ENOMEM;
	if (stack_size < DEFAULT_STACK)
		stack_size = DEFAULT_STACK;
	stack_size = (stack_size + PAGE_SIZE - 1) & PAGE_MASK;
	t->stack = hyp_memalign(PAGE_SIZE, stack_size);
	if (!t->stack) {
		hyp_free(t);
		return HYP_ENOMEM;
	}
	strlcpy(t->name, name ? name : "?", sizeof(t->name));
	t->stack_size = stack_size;
	t->fn = fn;
	t->arg = arg;
	t->joinable = out != NULL;
	t->state = T_RUNNABLE;
	*(uint64_t *)t->stack = STACK_CANARY;
	t->sp = arch_thread_init_stack(t->stack, stack_size, thread_main, t);
	flags = irq_save();
	t->next = threads;
	threads = t;
	nthreads++;
	irq_restore(flags);
	if (out)
		*out = t;
	return 0;
}

void hyp_thread_exit(void)
{
	irq_save();
	current->state = T_DEAD;
	waitq_wake_all(&current->joiners);
	schedule();
	minios_panic("dead thread %s scheduled", current->name);
}

int hyp_thread_join(struct hyp_thread *t)
{
	unsigned long flags;

	if (!t || !t->joinable || t == current)
		return HYP_EINVAL;
	(void)wait_event_deadline(&t->joiners, t->state == T_DEAD, 0);
	flags = irq_save();
	free_thread(t);
	irq_restore(flags);
	return 0;
}

struct hyp_thread *hyp_thread_self(void)
{
	return started ? current : NULL;
}

const char *hyp_thread_name(const struct hyp_thread *t)
{
	return t ? t->name : "?";
}

void sched_start(void)
{
	started = 1;
	hyp_thread_exit();
}

/* Bounds of the running thread's stack, for the panic backtrace. */
void sched_stack_bounds(uint64_t *lo, uint64_t *hi);
void sched_stack_bounds(uint64_t *lo, uint64_t *hi)
{
	if (!current || !current->stack) {
		*lo = (uint64_t)boot_stack_top - 16384;
		*hi = (uint64_t)boot_stack_top;
		return;
	}
	*lo = (uint64_t)current->stack;
	*hi = *lo + current->stack_size;
}
