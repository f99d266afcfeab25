/*
 * pagetable.c - x86-64 PV page tables for minios.
 *
 * Xen's builder maps only the boot region (image, boot structures, at
 * least 512 KiB of padding, up to a 4 MiB boundary). arch_mm_map_all()
 * extends the direct map (VA = VIRT_BASE + pfn * 4096) over every page
 * of the domain, following the PV rules: a new table page is zeroed,
 * remapped read-only, then linked with mmu_update; L1 entries are
 * written in batches with mmu_update. arch_map_mfn() remaps one page
 * (shared_info, grant frames) with update_va_mapping.
 * Not here: unmapping, superpages, guard pages, PVH native paging.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/exit.h>
#include <string.h>

#define PTE_P 0x001UL
#define PTE_RW 0x002UL
#define PTE_USER 0x004UL
#define PTE_A 0x020UL
#define PTE_D 0x040UL
#define PTE_ADDR 0x000ffffffffff000UL

#define PT_FLAGS (PTE_P | PTE_RW | PTE_USER | PTE_A | PTE_D)
#define L1_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)

static uint64_t *table_of(uint64_t pte)
{
	return mfn_to_virt((pte & PTE_ADDR) >> PAGE_SHIFT);
}

static void mmu_set(unsigned long table_mfn, unsigned int idx, uint64_t val)
{
	mmu_update_t u;
	long rc;

	u.ptr = (((uint64_t)table_mfn << PAGE_SHIFT) + idx * 8) |
		MMU_NORMAL_PT_UPDATE;
	u.val = val;
	rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	if (rc)
		minios_panic("mmu_update(table %lx idx %u) failed: %ld",
			     table_mfn, idx, rc);
}

/* Return the next-level table under entry idx of table, creating it. */
static uint64_t *next_table(uint64_t *table, unsigned int idx,
			    unsigned long *bump)
{
	unsigned long pfn, mfn;
	void *va;
	long rc;

	if (table[idx] & PTE_P)
		return table_of(table[idx]);
	pfn = (*bump)++;
	va = pfn_to_virt(pfn);
	mfn = pfn_to_mfn(pfn);
	memset(va, 0, PAGE_SIZE);
	/* A page-table frame must never be mapped writable. */
	rc = HYPERVISOR_update_va_mapping((unsigned long)va,
					  ((uint64_t)mfn << PAGE_SHIFT) |
					  PTE_P | PTE_A, UVMF_INVLPG);
	if (rc)
		minios_panic("cannot make page table %lx read-only: %ld",
			     pfn, rc);
	mmu_set(virt_to_mfn(table), idx, ((uint64_t)mfn << PAGE_SHIFT) |
		PT_FLAGS);
	return va;
}

#define BATCH 64

unsigned long arch_mm_map_all(unsigned long *first_free_pfn,
			      unsigned long nr_pages)
{
	uint64_t *l4 = (uint64_t *)start_info->pt_base;
	mmu_update_t req[BATCH];
	unsigned long pfn, mapped = 0;
	unsigned int n = 0;
	long rc;

	for (pfn = 0; pfn < nr_pages; pfn++) {
		unsigned long va = (unsigned long)pfn_to_virt(pfn);
		uint64_t *l3 = next_table(l4, (va >> 39) & 511, first_free_pfn);
		uint64_t *l2 = next_table(l3, (va >> 30) & 511, first_free_pfn);
		uint64_t *l1 = next_table(l2, (va >> 21) & 511, first_free_pfn);
		unsigned int i1 = (va >> 12) & 511;

		if (l1[i1] & PTE_P)
			continue;
		req[n].ptr = (((uint64_t)virt_to_mfn(l1) << PAGE_SHIFT) +
			i1 * 8) | MMU_NORMAL_PT_UPDATE;
		req[n].val = ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) |
			L1_FLAGS;
		mapped++;
		if (++n == BATCH || pfn + 1 == nr_pages) {
			rc = HYPERVISOR_mmu_update(req, n, NULL, DOMID_SELF);
			if (rc)
				minios_panic("mmu_update batch failed: %ld", rc);
			n = 0;
		}
	}
	if (n) {
		rc = HYPERVISOR_mmu_update(req, n, NULL, DOMID_SELF);
		if (rc)
			minios_panic("mmu_update batch failed: %ld", rc);
	}
	return mapped;
}

int arch_map_mfn(void *va, unsigned long mfn)
{
	return (int)HYPERVISOR_update_va_mapping((unsigned long)va,
						 ((uint64_t)mfn << PAGE_SHIFT) |
						 L1_FLAGS, UVMF_INVLPG);
}
