/*
 * kernel.h - the boot entry points shared by the PV and PVH paths.
 * Not here: the subsystems themselves.
 */
#ifndef MINIOS_KERNEL_H
#define MINIOS_KERNEL_H

/* Page-aligned .bss page that shared_info is mapped over. */
extern char shared_info_page[];

/* "rumpnet: minios booting as <mode> ..." (start_info must be set). */
void kernel_banner(const char *mode);
/* Everything after the page allocator; never returns. boot_pages is
 * the number of frames the kernel and boot data occupy (reported). */
void kernel_common(unsigned long boot_pages) __attribute__((noreturn));

#endif /* MINIOS_KERNEL_H */
