/*
 * mem.c - hyp_malloc and friends on the POSIX platform.
 *
 * Wraps the libc allocator with a 16-byte header holding the block size,
 * so used/peak/failures can be counted like minios does. The "mem_limit"
 * parameter (bytes, default 512 MiB) is the total the allocator manages:
 * a request beyond it fails and counts, as it would on a small domain.
 * Not here: fragmentation statistics.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "posix_impl.h"

#define HDR 16

static uint64_t mem_total = 512ull << 20;
static _Atomic uint64_t mem_used, mem_peak, mem_failures;

void posix_mem_init(void)
{
	char buf[32];

	if (hyp_param_get("mem_limit", buf, sizeof(buf)) > 0)
		mem_total = strtoull(buf, NULL, 0);
}

static int account(size_t size)
{
	uint64_t used = atomic_fetch_add(&mem_used, size) + size;
	uint64_t peak = atomic_load(&mem_peak);

	if (used > mem_total) {
		atomic_fetch_sub(&mem_used, size);
		atomic_fetch_add(&mem_failures, 1);
		return -1;
	}
	while (used > peak && !atomic_compare_exchange_weak(&mem_peak, &peak, used))
		;
	return 0;
}

static void *finish(void *raw, size_t size, size_t off)
{
	char *p;

	if (raw == NULL) {
		atomic_fetch_sub(&mem_used, size);
		atomic_fetch_add(&mem_failures, 1);
		return NULL;
	}
	p = (char *)raw + off;
	((size_t *)(p - HDR))[0] = size;
	((size_t *)(p - HDR))[1] = off;
	return p;
}

void *hyp_memalign(size_t align, size_t size)
{
	void *raw;

	if (align < HDR || (align & (align - 1)) != 0 || size > (SIZE_MAX >> 2))
		return NULL;
	if (account(size) < 0)
		return NULL;
	if (posix_memalign(&raw, align, size + align) != 0)
		raw = NULL;
	return finish(raw, size, align);
}

void *hyp_malloc(size_t size)
{
	if (size > (SIZE_MAX >> 2) || account(size) < 0)
		return NULL;
	return finish(malloc(size + HDR), size, HDR);
}

void *hyp_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		atomic_fetch_add(&mem_failures, 1);
		return NULL;
	}
	p = hyp_malloc(n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

void hyp_free(void *p)
{
	size_t size, off;

	if (p == NULL)
		return;
	size = ((size_t *)((char *)p - HDR))[0];
	off = ((size_t *)((char *)p - HDR))[1];
	atomic_fetch_sub(&mem_used, size);
	free((char *)p - off);
}

void hyp_mem_stats(struct hyp_mem_stats *st)
{
	st->total = mem_total;
	st->used = atomic_load(&mem_used);
	st->peak = atomic_load(&mem_peak);
	st->failures = atomic_load(&mem_failures);
}
