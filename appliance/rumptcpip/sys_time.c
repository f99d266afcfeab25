/*
 * sys_time.c - lwIP's clock (lwip/sys.h): milliseconds of the platform's
 * monotonic clock. Not here: wall-clock time (lwIP needs none).
 */
#include "lwip/sys.h"

/** Returns the current time in milliseconds. */
u32_t sys_now(void)
{
	return (u32_t)(hyp_clock_monotonic() / 1000000ull);
}

/** Ticks since an arbitrary point: here also milliseconds. */
u32_t sys_jiffies(void)
{
	return sys_now();
}
