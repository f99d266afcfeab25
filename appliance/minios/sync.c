/*
 * sync.c - minios mutexes, condition variables and semaphores
 * (hyp_mutex_*, hyp_cond_*, hyp_sem_* of hyper.h) on wait queues.
 *
 * Threads are cooperative, so a mutex is an owner pointer plus a wait
 * queue; state changes happen with events masked so that signal/post
 * are safe from NIC callbacks. Relocking a held mutex, unlocking one
 * you do not hold, and destroying an object with waiters panic.
 * Not here: priority inheritance, recursive mutexes.
 */
#include <minios/os.h>
#include <minios/sched.h>
#include <minios/exit.h>
#include <rumpnet/hyper.h>

struct hyp_mutex {
	struct hyp_thread *owner;
	struct waitq wq;     /* threads waiting for the lock */
};

/* One thread inside hyp_cond_timedwait (lives on its stack). */
struct cwaiter {
	struct hyp_thread *t;
	int signalled;
	struct cwaiter *next;
};

struct hyp_cond {
	struct cwaiter *head, *tail; /* FIFO of unsignalled waiters */
};

struct hyp_sem {
	unsigned int value;
	struct waitq wq;
};

int hyp_mutex_create(struct hyp_mutex **out)
{
	*out = hyp_calloc(1, sizeof(**out));
	return *out ? 0 : HYP_ENOMEM;
}

void hyp_mutex_destroy(struct hyp_mutex *m)
{
	if (!m)
		return;
	if (m->wq.head)
		minios_panic("mutex %p destroyed with waiters", (void *)m);
	hyp_free(m);
}

void hyp_mutex_lock(struct hyp_mutex *m)
{
	struct hyp_thread *self = sched_current();

	if (m->owner == self)
		minios_panic("mutex %p relocked by its owner %s", (void *)m,
			     hyp_thread_name(self));
	(void)wait_event_deadline(&m->wq, m->owner == NULL, 0);
	m->owner = self;
}

int hyp_mutex_trylock(struct hyp_mutex *m)
{
	if (m->owner)
		return HYP_EBUSY;
	m->owner = sched_current();
	return 0;
}

void hyp_mutex_unlock(struct hyp_mutex *m)
{
	unsigned long flags;

	if (m->owner != sched_current())
		minios_panic("mutex %p unlocked by %s, not its owner",
			     (void *)m, hyp_thread_name(sched_current()));
	flags = irq_save();
	m->owner = NULL;
	waitq_wake_one(&m->wq);
	irq_restore(flags);
}

int hyp_cond_create(struct hyp_cond **out)
{
	*out = hyp_calloc(1, sizeof(**out));
	return *out ? 0 : HYP_ENOMEM;
}

void hyp_cond_destroy(struct hyp_cond *c)
{
	if (!c)
		return;
	if (c->head)
		minios_panic("condvar %p destroyed with waiters", (void *)c);
	hyp_free(c);
}

static void cond_unlink(struct hyp_cond *c, struct cwaiter *w)
{
	struct cwaiter **pp, *prev = NULL;

	for (pp = &c->head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (c->tail == w)
				c->tail = prev;
			return;
		}
	}
}

/*
 * Each waiter queues a node and sleeps until a signal marks that very
 * node, so a wake-up can never be taken by a thread that started
 * waiting after the signal.
 */
int hyp_cond_timedwait(struct hyp_cond *c, struct hyp_mutex *m,
		       uint64_t abs_ns)
{
	struct cwaiter w = { .t = sched_current() };
	unsigned long flags = irq_save();
	int r = 0;

	if (c->tail)
		c->tail->next = &w;
	else
		c->head = &w;
	c->tail = &w;
	hyp_mutex_unlock(m);
	while (!w.signalled) {
		if (abs_ns && hyp_clock_monotonic() >= abs_ns) {
			cond_unlink(c, &w);
			r = HYP_ETIMEDOUT;
			break;
		}
		sched_block(abs_ns);
	}
	irq_restore(flags);
	hyp_mutex_lock(m);
	return r;
}

void hyp_cond_wait(struct hyp_cond *c, struct hyp_mutex *m)
{
	(void)hyp_cond_timedwait(c, m, 0);
}

static void cond_wake(struct hyp_cond *c, int all)
{
	unsigned long flags = irq_save();

	while (c->head) {
		struct cwaiter *w = c->head;

		c->head = w->next;
		if (!c->head)
			c->tail = NULL;
		w->signalled = 1;
		wake_up(w->t);
		if (!all)
			break;
	}
	irq_restore(flags);
}

void hyp_cond_signal(struct hyp_cond *c)
{
	cond_wake(c, 0);
}

void hyp_cond_broadcast(struct hyp_cond *c)
{
	cond_wake(c, 1);
}

int hyp_sem_create(struct hyp_sem **out, unsigned int value)
{
	*out = hyp_calloc(1, sizeof(**out));
	if (!*out)
		return HYP_ENOMEM;
	(*out)->value = value;
	return 0;
}

void hyp_sem_destroy(struct hyp_sem *s)
{
	if (!s)
		return;
	if (s->wq.head)
		minios_panic("semaphore %p destroyed with waiters", (void *)s);
	hyp_free(s);
}

void hyp_sem_post(struct hyp_sem *s)
{
	unsigned long flags = irq_save();

	s->value++;
	waitq_wake_one(&s->wq);
	irq_restore(flags);
}

int hyp_sem_wait(struct hyp_sem *s, uint64_t abs_ns)
{
	unsigned long flags = irq_save();
	int r = wait_event_deadline(&s->wq, s->value > 0, abs_ns);

	if (r == 0)
		s->value--;
	irq_restore(flags);
	return r;
}

int hyp_sem_trywait(struct hyp_sem *s)
{
	unsigned long flags = irq_save();
	int r = HYP_EAGAIN;

	if (s->value > 0) {
		s->value--;
		r = 0;
	}
	irq_restore(flags);
	return r;
}
