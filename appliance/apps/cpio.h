/*
 * cpio.h - read-only index of a cpio "newc" archive held in memory.
 * Not here: writing archives, hard links, device files.
 */
#ifndef RUMPNET_APPS_CPIO_H
#define RUMPNET_APPS_CPIO_H

#include <stddef.h>

struct cpio_file {
	const char *name;	/* normalised: no leading "./" or "/" */
	size_t name_len;
	const void *data;
	size_t size;
};

struct cpio_index {
	struct cpio_file *files;	/* sorted by name */
	size_t count;
	char error[96];		/* why cpio_open() failed */
};

/* Index every regular file of the archive at base/len. Names point into
 * the archive (which must stay mapped). Returns 0, or -1 with idx->error
 * set when the archive is malformed (bad magic, bad number, name or data
 * beyond the end, no trailer) or memory runs out. */
int cpio_open(struct cpio_index *idx, const void *base, size_t len);
/* The file named `name` (length n, no leading "/"), or NULL. */
const struct cpio_file *cpio_find(const struct cpio_index *idx, const char *name, size_t n);

#endif /* RUMPNET_APPS_CPIO_H */
