/*
 * checks_time.c - self-test of clocks and timers: monotonic clock
 * advances, wall clock is plausible, a sleep lasts at least its length
 * and not much more, and sleeping threads wake in deadline order within
 * the tolerance (param selftest.tolerance_ms). Software-emulated Xen
 * has scheduling hiccups of a few hundred ms, so lateness is judged on
 * the median of several timers (the maximum only has to stay under a
 * second), in the best of up to three rounds; a timer firing early, or
 * out of order in any round, always fails.
 */
#include <string.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

#define NTIMERS 5

struct timers {
	struct hyp_mutex *m;
	uint64_t start;
	int order[NTIMERS];
	unsigned int late_ms[NTIMERS];
	int n;
	uint64_t max_late;
};

struct timer_arg {
	struct timers *ts;
	int ms;
};

static void sleeper(void *arg)
{
	struct timer_arg *ta = arg;
	struct timers *ts = ta->ts;
	uint64_t due = ts->start + (uint64_t)ta->ms * 1000000, now;

	hyp_sleep_until(due);
	now = hyp_clock_monotonic();
	hyp_mutex_lock(ts->m);
	ts->late_ms[ts->n] = now >= due ? (unsigned int)((now - due) / 1000000) : 0;
	ts->order[ts->n++] = ta->ms;
	if (now < due)
		ts->max_late = ~0ULL; /* woke early: always a failure */
	else if (now - due > ts->max_late && ts->max_late != ~0ULL)
		ts->max_late = now - due;
	hyp_mutex_unlock(ts->m);
}

static unsigned int median_ms(const unsigned int *v, int n)
{
	unsigned int s[NTIMERS];
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && s[j - 1] > v[i]; j--)
			s[j] = s[j - 1];
		s[j] = v[i];
	}
	return s[n / 2];
}

/* One round: five sleepers started together; 0 if it could not run. */
static int timer_round(struct timers *ts)
{
	static const int ms[NTIMERS] = { 150, 30, 120, 60, 90 };
	struct timer_arg args[NTIMERS];
	struct hyp_thread *t[NTIMERS];
	int i, err = 0;

	memset(ts->order, 0, sizeof(ts->order));
	memset(ts->late_ms, 0, sizeof(ts->late_ms));
	ts->n = 0;
	ts->max_late = 0;
	ts->start = hyp_clock_monotonic();
	for (i = 0; i < NTIMERS && !err; i++) {
		args[i].ts = ts;
		args[i].ms = ms[i];
		err = hyp_thread_create(&t[i], "timer", sleeper, &args[i], 0);
	}
	for (i--; i >= 0; i--)
		hyp_thread_join(t[i]);
	return !err && ts->n == NTIMERS;
}

/*
 * Up to three rounds: every round must wake in deadline order; the
 * lateness bound must hold in at least one (a stall of the whole
 * emulated machine makes every timer of a round late together).
 */
static void check_timers(void)
{
	struct timers ts = { 0 };
	int i, round, ran = 1, sorted = 1, timely = 0, early = 0;

	if (hyp_mutex_create(&ts.m)) {
		st_report("timers_order", 0, "mutex create failed");
		return;
	}
	for (round = 1; round <= 3 && ran && sorted && !early && !timely;
	     round++) {
		ran = timer_round(&ts);
		early = ts.max_late == ~0ULL;
		for (i = 1; i < ts.n; i++)
			if (ts.order[i] < ts.order[i - 1])
				sorted = 0;
		timely = median_ms(ts.late_ms, NTIMERS) * 1000000ULL <=
			st_tolerance() && ts.max_late <= 1000000000ULL;
	}
	st_report("timers_order", ran && sorted && !early && timely,
		  "order=%d,%d,%d,%d,%d late_ms=%u,%u,%u,%u,%u max_late_us=%llu"
		  " tolerance_us=%llu rounds=%d",
		  ts.order[0], ts.order[1], ts.order[2], ts.order[3],
		  ts.order[4], ts.late_ms[0], ts.late_ms[1], ts.late_ms[2],
		  ts.late_ms[3], ts.late_ms[4],
		  (unsigned long long)(ts.max_late / 1000),
		  (unsigned long long)(st_tolerance() / 1000), round - 1);
	hyp_mutex_destroy(ts.m);
}

static void check_clock(void)
{
	uint64_t a = hyp_clock_monotonic(), b, t0, slept, least = ~0ULL;
	int64_t wall = hyp_clock_wall();
	int i, early = 0;

	/* Three 100 ms sleeps: none may end early; the best one must end
	 * within the tolerance. */
	for (i = 0; i < 3; i++) {
		t0 = hyp_clock_monotonic();
		hyp_sleep(100000000);
		slept = hyp_clock_monotonic() - t0;
		if (slept < 100000000)
			early = 1;
		if (slept < least)
			least = slept;
	}
	b = hyp_clock_monotonic();
	st_report("clock", b > a && wall > 1577836800LL * 1000000000LL,
		  "monotonic_ms=%llu wall_s=%lld", (unsigned long long)(b / 1000000),
		  (long long)(wall / 1000000000LL));
	st_report("sleep", !early && least <= 100000000 + st_tolerance(),
		  "best_us=%llu last_us=%llu early=%d",
		  (unsigned long long)(least / 1000),
		  (unsigned long long)(slept / 1000), early);
}

void st_checks_time(void)
{
	check_clock();
	check_timers();
}
