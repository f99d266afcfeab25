/*
 * exit.c - hyp_exit and hyp_panic on the POSIX platform.
 *
 * hyp_exit prints the exit line and ends the process with `status`
 * (HYP_EXIT_CRASH aborts). hyp_panic prints the message and the return
 * addresses from backtrace(3), then aborts.
 * Not here: core dumps settings (left to the environment).
 */
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_impl.h"

static const char *how_name(enum hyp_exit_how how)
{
	switch (how) {
	case HYP_EXIT_POWEROFF: return "poweroff";
	case HYP_EXIT_REBOOT: return "reboot";
	case HYP_EXIT_CRASH: return "crash";
	}
	return "unknown";
}

void hyp_exit(enum hyp_exit_how how, int status)
{
	hyp_printf("rumpnet: exit %s status %d\n", how_name(how), status);
	if (how == HYP_EXIT_CRASH)
		abort();
	_exit(status & 0xff);
}

void hyp_panic(const char *fmt, ...)
{
	char line[512];
	void *pcs[16];
	va_list ap;
	int n, len;

	va_start(ap, fmt);
	len = snprintf(line, sizeof(line), "rumpnet: PANIC: ");
	len += vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	posix_console_raw(line, (size_t)len);

	n = backtrace(pcs, 16);
	len = snprintf(line, sizeof(line), "rumpnet: backtrace:");
	for (int i = 0; i < n && len < (int)sizeof(line) - 24; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %p", pcs[i]);
	line[len++] = '\n';
	posix_console_raw(line, (size_t)len);
	hyp_exit(HYP_EXIT_CRASH, 134);
}
