/*
 * selftest.h - the self-test app's shared helpers and check groups.
 *
 * Every check prints exactly one line:
 *   selftest: check=<name> result=pass|fail detail=<free text>
 * and the app ends with "selftest: summary passed=N failed=M".
 * Not here: the checks themselves (checks_*.c).
 */
#ifndef RUMPNET_SELFTEST_H
#define RUMPNET_SELFTEST_H

#include <stdint.h>
#include <rumpnet/hyper.h>

/* Record and print one check result; detail is printf-style. */
void st_report(const char *name, int pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Allowed timer lateness in ns (param selftest.tolerance_ms). */
uint64_t st_tolerance(void);

void st_checks_mem(void);
void st_checks_thread(void);
void st_checks_time(void);
void st_checks_config(void);
/* Platform-specific checks (Xen: evtchn, grants, xenstore). */
void st_checks_platform(void);
/* Final memory report (after everything else ran). */
void st_check_memory_used(void);

#endif /* RUMPNET_SELFTEST_H */
