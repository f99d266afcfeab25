/*
 * mm.c - minios page allocator.
 *
 * A bitmap over every pfn of the domain (1 = in use). Frames below the
 * first free pfn (image, boot structures, page tables) start in use;
 * the bitmap itself takes the first free frames. Allocation is
 * first-fit for a run of pages at an alignment, with a next-fit hint
 * for single pages. Called from thread context only.
 * Not here: zeroing, NUMA, returning memory to Xen.
 */
#include <minios/os.h>
#include <minios/mm.h>
#include <minios/exit.h>
#include <minios/console.h>
#include <string.h>

static unsigned long *bitmap;
static unsigned long nr_pfns, first_pfn, free_pages, total_pages, hint;

#define BITS 64

static int test(unsigned long pfn)
{
	return (bitmap[pfn / BITS] >> (pfn % BITS)) & 1;
}

static void set_range(unsigned long pfn, unsigned long n, int used)
{
	for (; n; n--, pfn++) {
		if (used)
			bitmap[pfn / BITS] |= 1UL << (pfn % BITS);
		else
			bitmap[pfn / BITS] &= ~(1UL << (pfn % BITS));
	}
}

void mm_init(unsigned long first_free_pfn, unsigned long nr_pages)
{
	unsigned long bytes = (nr_pages + BITS - 1) / BITS * sizeof(long);
	unsigned long bm_pages = PFN_UP(bytes);

	bitmap = pfn_to_virt(first_free_pfn);
	memset(bitmap, 0, bm_pages * PAGE_SIZE);
	nr_pfns = nr_pages;
	set_range(0, first_free_pfn + bm_pages, 1);
	first_pfn = hint = first_free_pfn + bm_pages;
	free_pages = total_pages = nr_pages - first_pfn;
}

static unsigned long align_up(unsigned long v, unsigned long a)
{
	return (v + a - 1) & ~(a - 1);
}

/* First pfn >= start of n free pages at alignment a, or 0. */
static unsigned long find_run(unsigned long start, unsigned long n,
			      unsigned long a)
{
	unsigned long pfn = align_up(start, a), i;

	while (pfn + n <= nr_pfns) {
		if (!(pfn % BITS) && bitmap[pfn / BITS] == ~0UL) {
			pfn = align_up(pfn + BITS, a);
			continue;
		}
		for (i = 0; i < n && !test(pfn + i); i++)
			;
		if (i == n)
			return pfn;
		pfn = align_up(pfn + i + 1, a);
	}
	return 0;
}

void mm_release(unsigned long pfn, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		if (pfn + i >= nr_pfns || !test(pfn + i))
			minios_panic("mm_release: page %lx not reserved", pfn + i);
	set_range(pfn, npages, 0);
	free_pages += npages;
	total_pages += npages;
	if (pfn < first_pfn)
		first_pfn = hint = pfn;
}

void *page_alloc(unsigned long npages, unsigned long align_pages)
{
	unsigned long pfn;

	if (!npages || npages > free_pages)
		return NULL;
	if (!align_pages)
		align_pages = 1;
	pfn = find_run(npages == 1 ? hint : first_pfn, npages, align_pages);
	if (!pfn && npages == 1)
		pfn = find_run(first_pfn, 1, 1);
	if (!pfn)
		return NULL;
	set_range(pfn, npages, 1);
	free_pages -= npages;
	if (npages == 1)
		hint = pfn + 1;
	return pfn_to_virt(pfn);
}

void page_free(void *va, unsigned long npages)
{
	unsigned long pfn = virt_to_pfn(va), i;

	for (i = 0; i < npages; i++)
		if (pfn + i < first_pfn || pfn + i >= nr_pfns ||
		    !test(pfn + i))
			minios_panic("page_free(%p, %lu): page %lx not allocated",
				     va, npages, pfn + i);
	set_range(pfn, npages, 0);
	free_pages += npages;
	if (pfn < hint)
		hint = pfn;
}

unsigned long mm_total_pages(void)
{
	return total_pages;
}

unsigned long mm_free_pages(void)
{
	return free_pages;
}
