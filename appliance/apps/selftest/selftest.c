/*
 * selftest.c - rumpnet self-test app: runs every check group, prints
 * the summary and exits with poweroff (status = number of failures).
 *
 * Parameters: selftest.token (echoed by the config check, the harness
 * compares it), selftest.tolerance_ms (timer lateness allowed, default
 * 50), selftest.hold (seconds to stay idle before exiting, so the
 * harness can watch CPU time; default 0), selftest.crash ("panic":
 * call hyp_panic, "fault": touch an unmapped address; run before any
 * check, to prove the crash path: panic line, backtrace, crash status).
 * Not here: the checks (checks_*.c), parsing of the output
 * (tools/selftest.py).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

static int passed, failed;
static uint64_t tolerance_ns = 50ULL * 1000000;

void st_report(const char *name, int pass, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (pass)
		passed++;
	else
		failed++;
	hyp_printf("selftest: check=%s result=%s detail=%s\n", name,
		   pass ? "pass" : "fail", detail);
}

uint64_t st_tolerance(void)
{
	return tolerance_ns;
}

static long param_long(const char *key, long dflt)
{
	char buf[32];

	if (hyp_param_get(key, buf, sizeof(buf)) < 0)
		return dflt;
	return strtol(buf, NULL, 10);
}

/* Deliberate crashes for the harness; returns if crash is not set. */
static void maybe_crash(void)
{
	char how[16];

	if (hyp_param_get("selftest.crash", how, sizeof(how)) < 0)
		return;
	hyp_printf("selftest: crashing on request (%s)\n", how);
	if (!strcmp(how, "fault")) {
		volatile int *volatile bad = (volatile int *)16;

		*bad = 1;
	}
	hyp_panic("selftest: deliberate panic (%s)", how);
}

int rumpnet_main(void)
{
	long hold;

	tolerance_ns = (uint64_t)param_long("selftest.tolerance_ms", 50) *
		1000000;
	hyp_printf("selftest: start thread=%s\n",
		   hyp_thread_name(hyp_thread_self()));
	maybe_crash();
	st_checks_mem();
	st_checks_thread();
	st_checks_time();
	st_checks_config();
	st_checks_platform();
	st_check_memory_used();
	hyp_printf("selftest: summary passed=%d failed=%d\n", passed, failed);
	hold = param_long("selftest.hold", 0);
	if (hold > 0) {
		hyp_printf("selftest: idle hold=%ld\n", hold);
		hyp_sleep((uint64_t)hold * 1000000000ULL);
		hyp_printf("selftest: idle done\n");
	}
	hyp_exit(HYP_EXIT_POWEROFF, failed ? 1 : 0);
}
