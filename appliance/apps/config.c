/*
 * config.c - cfg_get(): hyp_param_get() first (xenstore on Xen, command
 * line or environment on posix), then the generated defaults table.
 * Not here: validation of values (callers check what they read).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rumpnet/hyper.h>
#include "config.h"

struct cfg_default {
	const char *key;
	const char *value;
};

static const struct cfg_default defaults[] = {
#ifdef RUMPNET_PARAM_DEFAULTS
	RUMPNET_PARAM_DEFAULTS
#endif
	{ NULL, NULL }
};

const char *cfg_get(const char *key, char *buf, size_t len)
{
	if (hyp_param_get(key, buf, len) >= 0)
		return buf;
	for (const struct cfg_default *d = defaults; d->key != NULL; d++) {
		if (strcmp(d->key, key) == 0) {
			if (strlen(d->value) + 1 > len)
				return NULL;
			memcpy(buf, d->value, strlen(d->value) + 1);
			return buf;
		}
	}
	return NULL;
}

const char *cfg_getf(char *buf, size_t len, const char *fmt, ...)
{
	char key[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	return cfg_get(key, buf, len);
}

long cfg_int(const char *key, long dflt)
{
	char buf[32], *end;
	long v;

	if (cfg_get(key, buf, sizeof(buf)) == NULL || buf[0] == '\0')
		return dflt;
	v = strtol(buf, &end, 10);
	return *end == '\0' ? v : dflt;
}
