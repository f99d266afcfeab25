/*
 * pvh.c - the PVH boot path of minios (the same image also boots PV).
 *
 * pvh_entry.S gets us to long mode with the low 4 GiB identity-mapped;
 * here we find Xen's CPUID leaves and have it fill the hypercall page,
 * read the xenstore and console rings from the HVM params, fill the
 * start_info the rest of the kernel reads (nr_pages from the memory
 * map, the first module as the content archive), load the IDT, put
 * shared_info on a .bss page with XENMEM_add_to_physmap, select the
 * event callback vector, hand the RAM below and after the image to
 * the page allocator and continue in kernel_common().
 * Not here: ACPI, the LAPIC, SMP, memory above 4 GiB.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/console.h>
#include <minios/events.h>
#include <minios/exit.h>
#include <minios/kernel.h>
#include <minios/mm.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <string.h>

#define CALLBACK_VECTOR 0xf3
#define LOW_RAM_PFN 0x100 /* leave the first MiB alone */

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t attr;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
};

extern char pvh_callback[], _end[];
extern const uint64_t pvh_trap_stubs[20];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static start_info_t pvh_start_info;

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
		  uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "0"(leaf), "2"(0));
}

static void hypercall_page_init(void)
{
	uint32_t base, a, b, c, d;

	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, &a, &b, &c, &d);
		if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e &&
		    a >= base + 2)
			break;
	}
	if (base >= 0x40010000)
		for (;;)
			__asm__ volatile("hlt"); /* not on Xen: nothing to say */
	cpuid(base + 2, &a, &b, &c, &d);
	/* wrmsr(b, physical address of the page): Xen writes the stubs. */
	__asm__ volatile("wrmsr" : : "c"(b),
			 "a"((uint32_t)(uintptr_t)hypercall_page),
			 "d"((uint32_t)((uintptr_t)hypercall_page >> 32)));
}

static uint64_t hvm_param(uint32_t index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	if (rc)
		minios_panic("HVMOP_get_param(%u): %ld", index, rc);
	return p.value;
}

static void set_gate(unsigned int vec, uint64_t fn)
{
	idt[vec] = (struct idt_gate){
		.off0 = (uint16_t)fn, .sel = 0x08, .attr = 0x8e,
		.off1 = (uint16_t)(fn >> 16), .off2 = (uint32_t)(fn >> 32),
	};
}

static void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)idt };
	unsigned int i;

	for (i = 0; i < 20; i++)
		set_gate(i, pvh_trap_stubs[i]);
	set_gate(CALLBACK_VECTOR, (uint64_t)pvh_callback);
	__asm__ volatile("lidt %0" : : "m"(desc));
}

static void add_to_physmap(unsigned int space, unsigned long idx, void *page)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = space, .idx = idx,
		.gpfn = virt_to_pfn(page),
	};
	long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc)
		minios_panic("XENMEM_add_to_physmap(space %u): %ld", space, rc);
}

static unsigned long max_ul(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

/*
 * Fill pvh_start_info from hvm_start_info; returns the first pfn after
 * the image and everything the builder put behind it. *ram_lo is the
 * first pfn of the RAM region that holds the image.
 */
static unsigned long read_start_info(const struct hvm_start_info *h,
				     unsigned long *ram_lo)
{
	unsigned long end = max_ul((unsigned long)_end,
				   (unsigned long)(h + 1));
	unsigned long img = (unsigned long)_end;
	uint32_t i;

	if (h->magic != XEN_HVM_START_MAGIC_VALUE)
		minios_panic("bad hvm_start_info magic %x", h->magic);
	if (h->version < 1 || !h->memmap_paddr || !h->memmap_entries)
		minios_panic("hvm_start_info has no memory map");
	*ram_lo = 0;
	for (i = 0; i < h->memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e =
			(const void *)(h->memmap_paddr) + i;

		if (e->type == XEN_HVM_MEMMAP_TYPE_RAM && e->addr <= img &&
		    e->addr + e->size > img) {
			pvh_start_info.nr_pages = (e->addr + e->size) >> PAGE_SHIFT;
			*ram_lo = e->addr >> PAGE_SHIFT;
		}
	}
	if (!pvh_start_info.nr_pages)
		minios_panic("no RAM around the image in the memory map");
	end = max_ul(end, h->memmap_paddr + h->memmap_entries *
		     sizeof(struct hvm_memmap_table_entry));
	if (h->cmdline_paddr)
		end = max_ul(end, h->cmdline_paddr +
			     strlen((const char *)h->cmdline_paddr) + 1);
	if (h->nr_modules && h->modlist_paddr) {
		const struct hvm_modlist_entry *m = (const void *)h->modlist_paddr;

		end = max_ul(end, h->modlist_paddr + h->nr_modules * sizeof(*m));
		for (i = 0; i < h->nr_modules; i++)
			end = max_ul(end, m[i].paddr + m[i].size);
		pvh_start_info.mod_start = m[0].paddr;
		pvh_start_info.mod_len = m[0].size;
	}
	return PFN_UP(end);
}

void pvh_start_kernel(unsigned long hvm_start_info_pa);
void pvh_start_kernel(unsigned long hvm_start_info_pa)
{
	const struct hvm_start_info *h = (const void *)hvm_start_info_pa;
	unsigned long first_free, ram_lo, low;

	minios_pvh = 1;
	virt_base = 0;
	start_info = &pvh_start_info;
	hypercall_page_init();
	pvh_start_info.store_mfn = hvm_param(HVM_PARAM_STORE_PFN);
	pvh_start_info.store_evtchn = (uint32_t)hvm_param(HVM_PARAM_STORE_EVTCHN);
	pvh_start_info.console.domU.mfn = hvm_param(HVM_PARAM_CONSOLE_PFN);
	pvh_start_info.console.domU.evtchn =
		(uint32_t)hvm_param(HVM_PARAM_CONSOLE_EVTCHN);
	console_init();
	first_free = read_start_info(h, &ram_lo);
	kernel_banner("PVH");
	idt_init();
	add_to_physmap(XENMAPSPACE_shared_info, 0, shared_info_page);
	shared_info = (shared_info_t *)shared_info_page;
	events_init();
	{
		struct xen_hvm_param p = {
			.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
			.value = (2ULL << 56) | CALLBACK_VECTOR,
		};
		long rc = HYPERVISOR_hvm_op(HVMOP_set_param, &p);

		if (rc)
			minios_panic("cannot set the callback vector: %ld", rc);
	}
	mm_init(first_free, pvh_start_info.nr_pages);
	low = max_ul(ram_lo, LOW_RAM_PFN);
	if (low < VIRT_BASE >> PAGE_SHIFT &&
	    !(h->rsdp_paddr >> PAGE_SHIFT >= low &&
	      h->rsdp_paddr < VIRT_BASE)) {
		mm_release(low, (VIRT_BASE >> PAGE_SHIFT) - low);
		first_free -= (VIRT_BASE >> PAGE_SHIFT) - low;
	}
	kernel_common(first_free);
}
