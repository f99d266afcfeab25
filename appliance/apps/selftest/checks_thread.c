/*
 * checks_thread.c - self-test of threads and synchronisation:
 * ping-pong between two threads over a mutex and condvar, a mutex held
 * across yields by several threads, semaphores (trywait, timeout, post
 * from another thread), condvar timeout, join, thread names.
 * Written to be correct under preemptive threads too (posix).
 */
#include <string.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

#define PINGS 1000

struct pingpong {
	struct hyp_mutex *m;
	struct hyp_cond *c;
	int turn;        /* 0: ping's turn, 1: pong's */
	int count;
	int errors;
};

static void pong(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	for (i = 0; i < PINGS; i++) {
		hyp_mutex_lock(pp->m);
		while (pp->turn != 1)
			hyp_cond_wait(pp->c, pp->m);
		pp->count++;
		pp->turn = 0;
		hyp_cond_broadcast(pp->c);
		hyp_mutex_unlock(pp->m);
	}
}

static void check_pingpong(void)
{
	struct pingpong pp = { 0 };
	struct hyp_thread *t;
	uint64_t t0 = hyp_clock_monotonic(), dt;
	int i, err;

	if (hyp_mutex_create(&pp.m) || hyp_cond_create(&pp.c)) {
		st_report("thread_pingpong", 0, "create failed");
		return;
	}
	err = hyp_thread_create(&t, "pong", pong, &pp, 0);
	for (i = 0; !err && i < PINGS; i++) {
		hyp_mutex_lock(pp.m);
		while (pp.turn != 0)
			hyp_cond_wait(pp.c, pp.m);
		if (pp.count != i)
			pp.errors++;
		pp.turn = 1;
		hyp_cond_broadcast(pp.c);
		hyp_mutex_unlock(pp.m);
	}
	if (!err)
		err = hyp_thread_join(t);
	dt = hyp_clock_monotonic() - t0;
	st_report("thread_pingpong", !err && pp.count == PINGS && !pp.errors,
		  "rounds=%d errors=%d us=%llu", pp.count, pp.errors,
		  (unsigned long long)(dt / 1000));
	hyp_cond_destroy(pp.c);
	hyp_mutex_destroy(pp.m);
}

struct locked {
	struct hyp_mutex *m;
	int inside;
	int overlaps;
	int total;
};

static void locker(void *arg)
{
	struct locked *l = arg;
	int i;

	for (i = 0; i < 50; i++) {
		hyp_mutex_lock(l->m);
		if (l->inside++)
			l->overlaps++;
		hyp_thread_yield();
		l->total++;
		l->inside--;
		hyp_mutex_unlock(l->m);
		hyp_thread_yield();
	}
}

static void check_mutex(void)
{
	struct locked l = { 0 };
	struct hyp_thread *t[4];
	int i, err = hyp_mutex_create(&l.m), busy;

	for (i = 0; i < 4 && !err; i++)
		err = hyp_thread_create(&t[i], "locker", locker, &l, 0);
	for (i--; i >= 0; i--)
		hyp_thread_join(t[i]);
	hyp_mutex_lock(l.m);
	busy = hyp_mutex_trylock(l.m) == HYP_EBUSY;
	hyp_mutex_unlock(l.m);
	busy = busy && hyp_mutex_trylock(l.m) == 0;
	hyp_mutex_unlock(l.m);
	st_report("thread_mutex", !err && l.total == 200 && !l.overlaps && busy,
		  "total=%d overlaps=%d trylock_ok=%d", l.total, l.overlaps,
		  busy);
	hyp_mutex_destroy(l.m);
}

static void poster(void *arg)
{
	hyp_sleep(5000000);
	hyp_sem_post(arg);
}

static void check_sem(void)
{
	struct hyp_sem *s;
	struct hyp_thread *t;
	int try0, tmo, got, err;
	uint64_t t0;

	if (hyp_sem_create(&s, 1)) {
		st_report("thread_sem", 0, "create failed");
		return;
	}
	try0 = hyp_sem_trywait(s) == 0 && hyp_sem_trywait(s) == HYP_EAGAIN;
	t0 = hyp_clock_monotonic();
	tmo = hyp_sem_wait(s, t0 + 20000000) == HYP_ETIMEDOUT &&
		hyp_clock_monotonic() >= t0 + 20000000;
	err = hyp_thread_create(&t, "poster", poster, s, 0);
	got = !err && hyp_sem_wait(s, hyp_clock_monotonic() + 5000000000ULL) == 0;
	if (!err)
		hyp_thread_join(t);
	st_report("thread_sem", try0 && tmo && got,
		  "trywait=%d timeout=%d posted=%d", try0, tmo, got);
	hyp_sem_destroy(s);
}

static void check_cond_timeout(void)
{
	struct hyp_mutex *m;
	struct hyp_cond *c;
	uint64_t t0, dl;
	int r;

	if (hyp_mutex_create(&m) || hyp_cond_create(&c)) {
		st_report("thread_cond_timeout", 0, "create failed");
		return;
	}
	hyp_mutex_lock(m);
	t0 = hyp_clock_monotonic();
	dl = t0 + 30000000;
	do
		r = hyp_cond_timedwait(c, m, dl);
	while (r == 0);
	hyp_mutex_unlock(m);
	st_report("thread_cond_timeout",
		  r == HYP_ETIMEDOUT && hyp_clock_monotonic() >= dl,
		  "ret=%d waited_us=%llu", r,
		  (unsigned long long)((hyp_clock_monotonic() - t0) / 1000));
	hyp_cond_destroy(c);
	hyp_mutex_destroy(m);
}

static void set_flag(void *arg)
{
	*(int *)arg = 1;
}

static void check_join(void)
{
	struct hyp_thread *t;
	int ran = 0, err, i, detached_ok = 1;
	const char *self = hyp_thread_name(hyp_thread_self());

	err = hyp_thread_create(&t, "joinme", set_flag, &ran, 0);
	if (!err)
		err = hyp_thread_join(t);
	/* Detached threads clean up after themselves. */
	for (i = 0; i < 20; i++)
		if (hyp_thread_create(NULL, "detached", set_flag, &ran, 0))
			detached_ok = 0;
	hyp_sleep(10000000);
	st_report("thread_join", !err && ran && detached_ok &&
		  !strcmp(self, "main"), "ran=%d self=%s", ran, self);
}

void st_checks_thread(void)
{
	check_pingpong();
	check_mutex();
	check_sem();
	check_cond_timeout();
	check_join();
}
