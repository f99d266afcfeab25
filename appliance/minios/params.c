/*
 * params.c - minios configuration: hyp_param_get() from xenstore,
 * hyp_state_set() into it, and hyp_content() from the PV ramdisk module.
 *
 * A key "a.b.c" is read from ~/rumpnet/a/b/c: xenstore node names may
 * not contain '.', so each dot becomes a path separator. Keys may use
 * letters, digits, '_', '-' and '.'.
 * Not here: the compiled-in defaults (apps/config.c falls back to them).
 */
#include <minios/os.h>
#include <minios/xenbus.h>
#include <rumpnet/hyper.h>
#include <string.h>

#define PREFIX "rumpnet/"
#define STATE_PREFIX "rumpnet/state/"

/* prefix + key with dots as slashes into path[size]; HYP_EINVAL if the
 * key is empty, too long or has characters xenstore names do not take. */
static int key_path(const char *prefix, const char *key, char *path, size_t size)
{
	size_t i, plen = strlen(prefix), klen = strlen(key);

	if (!klen || plen + klen + 1 > size)
		return HYP_EINVAL;
	memcpy(path, prefix, plen);
	for (i = 0; i <= klen; i++) {
		char c = key[i];

		if (c == '.')
			c = '/';
		else if (c && !(c == '_' || c == '-' ||
				(c >= '0' && c <= '9') ||
				(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return HYP_EINVAL;
		path[plen + i] = c;
	}
	return 0;
}

int hyp_state_set(const char *key, const char *value)
{
	char path[128];
	int err = key_path(STATE_PREFIX, key, path, sizeof(path));

	return err ? err : xenbus_write(0, path, value);
}

int hyp_param_get(const char *key, char *buf, size_t len)
{
	char path[128], *val;
	size_t vlen;
	int err;

	err = key_path(PREFIX, key, path, sizeof(path));
	if (err)
		return err;
	err = xenbus_read(0, path, &val);
	if (err)
		return err == HYP_ENOENT ? HYP_ENOENT : err;
	vlen = strlen(val);
	if (vlen + 1 > len) {
		hyp_free(val);
		return HYP_E2BIG;
	}
	memcpy(buf, val, vlen + 1);
	hyp_free(val);
	return (int)vlen;
}

int hyp_content(const void **base, size_t *len)
{
	unsigned long start = start_info->mod_start;

	if (!start || !start_info->mod_len)
		return HYP_ENOENT;
	if (start_info->flags & SIF_MOD_START_PFN)
		start = (unsigned long)pfn_to_virt(start);
	*base = (const void *)start;
	*len = start_info->mod_len;
	return 0;
}
