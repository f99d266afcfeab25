/*
 * param.c - per-instance parameters on the POSIX platform.
 *
 * A key is looked up first in the command line (key=value arguments,
 * last one wins), then in the environment as RUMPNET_<KEY> with dots
 * and dashes as underscores, upper case ("nic0.ipv4" ->
 * RUMPNET_NIC0_IPV4).
 * hyp_state_set() has no store here: the console line is the report.
 * Not here: defaults (apps/config.c falls back to the generated table).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "posix_impl.h"

static int param_argc;
static char **param_argv;

void posix_param_init(int argc, char **argv)
{
	param_argc = argc;
	param_argv = argv;
}

static const char *from_argv(const char *key)
{
	size_t klen = strlen(key);
	const char *found = NULL;

	for (int i = 1; i < param_argc; i++) {
		const char *a = param_argv[i];

		if (strncmp(a, key, klen) == 0 && a[klen] == '=')
			found = a + klen + 1;
	}
	return found;
}

static const char *from_env(const char *key)
{
	char name[128] = "RUMPNET_";
	size_t n = strlen(name);

	for (const char *k = key; *k != '\0'; k++) {
		if (n + 1 >= sizeof(name))
			return NULL;
		name[n++] = (*k == '.' || *k == '-') ? '_' : (char)toupper((unsigned char)*k);
	}
	name[n] = '\0';
	return getenv(name);
}

int hyp_param_get(const char *key, char *buf, size_t len)
{
	const char *v = from_argv(key);
	size_t vlen;

	if (v == NULL)
		v = from_env(key);
	if (v == NULL)
		return HYP_ENOENT;
	vlen = strlen(v);
	if (vlen + 1 > len)
		return HYP_E2BIG;
	memcpy(buf, v, vlen + 1);
	return (int)vlen;
}

int hyp_state_set(const char *key, const char *value)
{
	(void)value;
	return key && *key ? HYP_ENOENT : HYP_EINVAL;
}
