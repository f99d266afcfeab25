/*
 * clock.c - time on the POSIX platform: CLOCK_MONOTONIC from process
 * start, CLOCK_REALTIME for the wall clock, clock_nanosleep to sleep.
 * Not here: timers (threads sleep or wait with deadlines instead).
 */
#include <errno.h>
#include <time.h>

#include "posix_impl.h"

static uint64_t origin;

static uint64_t raw_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void posix_clock_init(void)
{
	origin = raw_mono() - 1;
}

uint64_t hyp_clock_monotonic(void)
{
	return raw_mono() - origin;
}

int64_t hyp_clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

void posix_deadline(uint64_t abs_ns, struct timespec *ts)
{
	uint64_t t = abs_ns + origin;

	if (t < abs_ns)	/* far future: clamp */
		t = (uint64_t)INT64_MAX;
	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
}

void hyp_sleep_until(uint64_t abs_ns)
{
	struct timespec ts;

	posix_deadline(abs_ns, &ts);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void hyp_sleep(uint64_t ns)
{
	hyp_sleep_until(hyp_clock_monotonic() + ns);
}
