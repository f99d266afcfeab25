/*
 * pvh_entry.S - x86-64 PVH entry: the PHYS32_ENTRY note, the 32-bit
 * start (paging off, no stack, EBX = hvm_start_info), the switch to
 * long mode with an identity map of the low 4 GiB in 2 MiB pages (the
 * first 2 MiB in 4 KiB pages with page 0 unmapped, so NULL faults), and
 * the IDT stubs (exceptions 0-19, the event callback vector).
 *
 * The image is linked at 0x100000 and PVH loads it at that physical
 * address, so every symbol's address is both virtual and physical.
 * Exceptions build the same struct trap_frame as on PV and go to
 * do_trap(); the callback vector runs evtchn_do_upcall() and returns
 * with iretq (no EOI: Xen's vector callback does not use the LAPIC).
 * Not here: the C side (pvh.c), SMP, user mode, a TSS.
 */
#include <xen/elfnote.h>
#include "asm.h"

#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_ET 0x10
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.long pvh_start32
4:	.balign 4
	.popsection

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cld
	rdtsc                           /* the first clock reading: time_boot_ns() */
	movl %eax, boot_tsc
	movl %edx, boot_tsc + 4
	movl %ebx, %esi                 /* hvm_start_info, kept in esi */
	lgdt pvh_gdt_desc
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; PD: 2 MiB pages. */
	movl $pvh_pdpt, %eax
	orl $0x3, %eax
	movl %eax, pvh_pml4
	movl $pvh_pd, %eax
	orl $0x3, %eax
	xorl %ecx, %ecx
1:	movl %eax, pvh_pdpt(,%ecx,8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	movl $0x83, %eax                /* present, writable, 2 MiB */
	xorl %ecx, %ecx
	xorl %edx, %edx
2:	movl %eax, pvh_pd(,%ecx,8)
	movl %edx, pvh_pd+4(,%ecx,8)
	addl $0x200000, %eax
	adcl $0, %edx
	incl %ecx
	cmpl $2048, %ecx
	jne 2b
	/* The first 2 MiB in 4 KiB pages, page 0 left out: NULL faults. */
	movl $pvh_pt0, %eax
	orl $0x3, %eax
	movl %eax, pvh_pd
	movl $0x1003, %eax
	movl $1, %ecx
3:	movl %eax, pvh_pt0(,%ecx,8)
	addl $4096, %eax
	incl %ecx
	cmpl $512, %ecx
	jne 3b

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $pvh_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl $(CR0_PG | CR0_WP | CR0_ET | CR0_MP | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $0x08, $pvh_start64

	.code64
pvh_start64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	leaq boot_stack_top(%rip), %rsp
	movl %esi, %edi                 /* zero-extends */
	xorl %ebp, %ebp
	call pvh_start_kernel
	ud2

	.text
#define PVH_TRAP_NOERR(vec)	\
pvh_trap##vec:			\
	pushq $0;		\
	pushq $vec;		\
	jmp pvh_trap_common

#define PVH_TRAP_ERR(vec)	\
pvh_trap##vec:			\
	pushq $vec;		\
	jmp pvh_trap_common

PVH_TRAP_NOERR(0)
PVH_TRAP_NOERR(1)
PVH_TRAP_NOERR(2)
PVH_TRAP_NOERR(3)
PVH_TRAP_NOERR(4)
PVH_TRAP_NOERR(5)
PVH_TRAP_NOERR(6)
PVH_TRAP_NOERR(7)
PVH_TRAP_ERR(8)
PVH_TRAP_NOERR(9)
PVH_TRAP_ERR(10)
PVH_TRAP_ERR(11)
PVH_TRAP_ERR(12)
PVH_TRAP_ERR(13)
PVH_TRAP_ERR(14)
PVH_TRAP_NOERR(15)
PVH_TRAP_NOERR(16)
PVH_TRAP_ERR(17)
PVH_TRAP_NOERR(18)
PVH_TRAP_NOERR(19)

pvh_trap_common:
	SAVE_GPRS
	movq %rsp, %rdi
	andq $-16, %rsp
	call do_trap
	ud2

/* The event callback vector: like hypervisor_callback, iretq back. */
	.globl pvh_callback
pvh_callback:
	SAVE_GPRS
	movq %rsp, %rbx
	andq $-16, %rsp
	subq $512, %rsp
	fxsave64 (%rsp)
	movq %rbx, %rdi
	call evtchn_do_upcall
	fxrstor64 (%rsp)
	movq %rbx, %rsp
	RESTORE_GPRS
	iretq

	.section .rodata
	.balign 8
	.globl pvh_trap_stubs
pvh_trap_stubs:
	.quad pvh_trap0, pvh_trap1, pvh_trap2, pvh_trap3, pvh_trap4
	.quad pvh_trap5, pvh_trap6, pvh_trap7, pvh_trap8, pvh_trap9
	.quad pvh_trap10, pvh_trap11, pvh_trap12, pvh_trap13, pvh_trap14
	.quad pvh_trap15, pvh_trap16, pvh_trap17, pvh_trap18, pvh_trap19

	.data
	.balign 16
pvh_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
pvh_gdt_end:
pvh_gdt_desc:
	.word pvh_gdt_end - pvh_gdt - 1
	.quad pvh_gdt

	.bss
	.balign 4096
pvh_pml4:
	.skip 4096
pvh_pdpt:
	.skip 4096
pvh_pd:
	.skip 4 * 4096
pvh_pt0:
	.skip 4096

	.section .note.GNU-stack, "", @progbits
