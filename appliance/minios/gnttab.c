/*
 * gnttab.c - minios grant tables, version 1.
 *
 * PV: GNTTABOP_setup_table gives the machine frames of our table; each
 * is mapped over a page-aligned .bss page. PVH: XENMEM_add_to_physmap
 * puts each grant frame at the GFN of such a page. Refs 0-7 are reserved (the
 * toolstack's console and xenstore grants); the rest are kept on a free
 * list. Granting writes domid and frame, then (after a write barrier)
 * the flags; ending access clears the flags with cmpxchg only if the
 * grantee is not reading or writing the frame.
 * Not here: grant v2, status frames, growing the table at run time.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/gnttab.h>
#include <minios/exit.h>
#include <rumpnet/hyper.h>

#define NR_FRAMES 4
#define NR_ENTRIES (NR_FRAMES * PAGE_SIZE / sizeof(grant_entry_v1_t))
#define NR_RESERVED 8

static char table_pages[NR_FRAMES][PAGE_SIZE]
	__attribute__((aligned(PAGE_SIZE)));
static grant_entry_v1_t *table;
static uint16_t free_next[NR_ENTRIES]; /* free list links */
static unsigned int free_head, nfree;

void gnttab_init(void)
{
	xen_pfn_t frames[NR_FRAMES];
	gnttab_setup_table_t st = {
		.dom = DOMID_SELF, .nr_frames = NR_FRAMES,
	};
	unsigned int i;
	long rc;

	if (minios_pvh) {
		/* Xen puts grant frame i at the GFN of our page i. */
		for (i = 0; i < NR_FRAMES; i++) {
			struct xen_add_to_physmap xatp = {
				.domid = DOMID_SELF,
				.space = XENMAPSPACE_grant_table,
				.idx = i,
				.gpfn = virt_to_pfn(table_pages[i]),
			};

			rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
			if (rc)
				minios_panic("add_to_physmap(grant %u): %ld", i, rc);
		}
		goto mapped;
	}
	set_xen_guest_handle(st.frame_list, frames);
	rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (rc || st.status != GNTST_okay)
		minios_panic("GNTTABOP_setup_table: rc %ld status %d", rc,
			     st.status);
	for (i = 0; i < NR_FRAMES; i++) {
		rc = arch_map_mfn(table_pages[i], frames[i]);
		if (rc)
			minios_panic("cannot map grant frame %u: %ld", i, rc);
	}
mapped:
	table = (grant_entry_v1_t *)table_pages;
	free_head = 0;
	nfree = 0;
	for (i = NR_ENTRIES - 1; i >= NR_RESERVED; i--) {
		free_next[i] = (uint16_t)free_head;
		free_head = i;
		nfree++;
	}
}

int gnttab_grant_access(domid_t dom, unsigned long mfn, int readonly)
{
	unsigned long flags = irq_save();
	grant_ref_t ref;

	if (!nfree) {
		irq_restore(flags);
		return HYP_ENOMEM;
	}
	ref = free_head;
	free_head = free_next[ref];
	nfree--;
	irq_restore(flags);
	table[ref].domid = dom;
	table[ref].frame = (uint32_t)mfn;
	wmb(); /* domid and frame visible before the entry is valid */
	table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return (int)ref;
}

int gnttab_end_access(grant_ref_t ref)
{
	unsigned long flags;
	uint16_t fl;

	if (ref < NR_RESERVED || ref >= NR_ENTRIES)
		minios_panic("gnttab_end_access: bad ref %u", ref);
	fl = ACCESS_ONCE(table[ref].flags);
	do {
		if (fl & (GTF_reading | GTF_writing))
			return HYP_EBUSY;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &fl, 0, 0,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	flags = irq_save();
	free_next[ref] = (uint16_t)free_head;
	free_head = ref;
	nfree++;
	irq_restore(flags);
	return 0;
}

int gnttab_copy(gnttab_copy_t *ops, unsigned int n)
{
	return HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, n) ? HYP_EIO : 0;
}

unsigned int gnttab_free_count(void)
{
	return nfree;
}
