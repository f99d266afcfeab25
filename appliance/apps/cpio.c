/*
 * cpio.c - cpio newc reader over the content archive (hyp_content).
 *
 * Walks the headers once, checks every field, and keeps the regular
 * files in a sorted array for binary search. Directories, symlinks and
 * other types are skipped (so no link can point outside the archive).
 * Not here: the CRC variant's checksums (070702 is accepted, unchecked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rumpnet/hyper.h>
#include "cpio.h"

#define HDR_LEN 110
#define S_IFMT_ 0170000
#define S_IFREG_ 0100000

static int hex8(const char *p, unsigned long *out)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v << 4 | (unsigned long)d;
	}
	*out = v;
	return 0;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int fail(struct cpio_index *idx, size_t off, const char *why)
{
	snprintf(idx->error, sizeof(idx->error), "malformed cpio at offset %zu: %s", off, why);
	hyp_free(idx->files);
	idx->files = NULL;
	idx->count = 0;
	return -1;
}

static int by_name(const void *a, const void *b)
{
	const struct cpio_file *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	return c != 0 ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static int add(struct cpio_index *idx, size_t *cap, const struct cpio_file *f)
{
	if (idx->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct cpio_file *n = hyp_malloc(ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		if (idx->count)
			memcpy(n, idx->files, idx->count * sizeof(*n));
		hyp_free(idx->files);
		idx->files = n;
		*cap = ncap;
	}
	idx->files[idx->count++] = *f;
	return 0;
}

int cpio_open(struct cpio_index *idx, const void *base, size_t len)
{
	const char *p = base;
	size_t off = 0, cap = 0;

	memset(idx, 0, sizeof(*idx));
	for (;;) {
		unsigned long mode, fsize, nsize;
		struct cpio_file f;
		const char *name;

		if (len - off < HDR_LEN)
			return fail(idx, off, "truncated header (no TRAILER!!!)");
		if (memcmp(p + off, "070701", 6) != 0 && memcmp(p + off, "070702", 6) != 0)
			return fail(idx, off, "bad magic (not newc)");
		if (hex8(p + off + 14, &mode) || hex8(p + off + 54, &fsize) ||
		    hex8(p + off + 94, &nsize))
			return fail(idx, off, "non-hex header field");
		if (nsize == 0 || nsize > len - off - HDR_LEN)
			return fail(idx, off, "name beyond the end");
		name = p + off + HDR_LEN;
		if (name[nsize - 1] != '\0' || memchr(name, '\0', nsize - 1) != NULL)
			return fail(idx, off, "name not NUL-terminated");
		if (strcmp(name, "TRAILER!!!") == 0)
			break;
		off = pad4(off + HDR_LEN + nsize);
		if (off > len || fsize > len - off)
			return fail(idx, off, "data beyond the end");
		if ((mode & S_IFMT_) == S_IFREG_) {
			while (name[0] == '.' && name[1] == '/')
				name += 2;
			while (name[0] == '/')
				name++;
			f = (struct cpio_file){ name, strlen(name), p + off, fsize };
			if (f.name_len > 0 && add(idx, &cap, &f) < 0)
				return fail(idx, off, "out of memory");
		}
		off = pad4(off + fsize);
	}
	if (idx->count > 1)
		qsort(idx->files, idx->count, sizeof(*idx->files), by_name);
	return 0;
}

const struct cpio_file *cpio_find(const struct cpio_index *idx, const char *name, size_t n)
{
	struct cpio_file key = { name, n, NULL, 0 };

	if (idx->count == 0)
		return NULL;
	return bsearch(&key, idx->files, idx->count, sizeof(key), by_name);
}
