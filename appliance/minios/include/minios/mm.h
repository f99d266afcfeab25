/*
 * mm.h - minios page allocator and small-object allocator.
 * Both run in thread context only, never from event handlers.
 * Not here: freeing memory back to Xen (ballooning).
 */
#ifndef MINIOS_MM_H
#define MINIOS_MM_H

#include <stddef.h>

/* Manage pfns [first_free_pfn, nr_pages) of the direct map. */
void mm_init(unsigned long first_free_pfn, unsigned long nr_pages);
/* Hand boot-reserved frames below first_free_pfn to the allocator
 * (PVH: the RAM below the image). Before malloc_init only. */
void mm_release(unsigned long pfn, unsigned long npages);
/* npages contiguous pages aligned to align_pages (a power of two).
 * NULL when out of memory. The pages are not zeroed. */
void *page_alloc(unsigned long npages, unsigned long align_pages);
void page_free(void *va, unsigned long npages);
unsigned long mm_total_pages(void);
unsigned long mm_free_pages(void);

/* Set up hyp_malloc() and friends (needs mm_init). */
void malloc_init(void);

#endif /* MINIOS_MM_H */
