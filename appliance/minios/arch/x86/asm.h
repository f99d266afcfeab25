/*
 * asm.h - register save/restore macros shared by the PV (entry.S) and
 * PVH (pvh_entry.S) entry stubs. The pushed order is struct trap_frame's
 * (include/minios/arch.h) read backwards.
 */
#ifndef MINIOS_X86_ASM_H
#define MINIOS_X86_ASM_H

#define SAVE_GPRS	\
	pushq %rax;	\
	pushq %rbx;	\
	pushq %rcx;	\
	pushq %rdx;	\
	pushq %rsi;	\
	pushq %rdi;	\
	pushq %rbp;	\
	pushq %r8;	\
	pushq %r9;	\
	pushq %r10;	\
	pushq %r11;	\
	pushq %r12;	\
	pushq %r13;	\
	pushq %r14;	\
	pushq %r15

#define RESTORE_GPRS	\
	popq %r15;	\
	popq %r14;	\
	popq %r13;	\
	popq %r12;	\
	popq %r11;	\
	popq %r10;	\
	popq %r9;	\
	popq %r8;	\
	popq %rbp;	\
	popq %rdi;	\
	popq %rsi;	\
	popq %rdx;	\
	popq %rcx;	\
	popq %rbx;	\
	popq %rax

#endif /* MINIOS_X86_ASM_H */
