# minios/minios.mk - the Xen platform: our own x86-64 PV guest kernel.
#
# Included by appliance/Makefile for PLATFORM=xen. Adds the kernel and
# its freestanding libc to src-y, sets IMAGE and PLATFORM_CFLAGS (no
# host headers or libraries: gcc's own freestanding headers, our libc,
# Xen's public headers from libxen-dev), and links the ELF that `xl
# create` boots with minios/arch/x86/minios.lds.
# Not here: lwIP or app sources (rumptcpip.mk, apps.mk), netfront
# (when netfront/netfront.mk exists it provides the hyp_nic_* functions
# and minios/nic_stub.c is left out).

ifeq ($(strip $(XEN_INCLUDE)),)
override XEN_INCLUDE := $(shell cd $(TOP)/.. && python3 -m tools.xenheaders)
endif
ifeq ($(wildcard $(XEN_INCLUDE)/xen/xen.h),)
$(error XEN_INCLUDE '$(XEN_INCLUDE)' has no xen/xen.h (run: python3 -m tools.xenheaders))
endif

ifeq ($(wildcard $(TOP)/netfront/netfront.mk),)
MINIOS_NIC := minios/nic_stub.c
endif

src-y += minios/kernel.c minios/console.c minios/exit.c minios/mm.c \
         minios/malloc.c minios/events.c minios/time.c minios/sched.c \
         minios/sync.c minios/gnttab.c minios/xenbus.c minios/params.c \
         minios/control.c \
         minios/arch/x86/traps.c minios/arch/x86/pagetable.c \
         minios/arch/x86/pvh.c \
         minios/libc/string.c minios/libc/printf.c minios/libc/stdlib.c \
         minios/libc/scan.c \
         $(MINIOS_NIC)

MINIOS_ASM := minios/arch/x86/entry.S minios/arch/x86/pvh_entry.S \
              minios/arch/x86/switch.S
MINIOS_ASM_OBJS := $(patsubst %.S,$(O)/obj/%.o,$(MINIOS_ASM))
MINIOS_LDS := $(TOP)/minios/arch/x86/minios.lds

MINIOS_INC := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
              -I$(TOP)/minios/libc/include -I$(TOP)/minios/include \
              -I$(XEN_INCLUDE) -D__XEN_INTERFACE_VERSION__=0x00040e00 \
              -D__RUMPNET_MINIOS__

PLATFORM_CFLAGS := -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
                   -mno-red-zone -mcmodel=small -fno-omit-frame-pointer \
                   -fno-asynchronous-unwind-tables \
                   -fno-tree-loop-distribute-patterns \
                   -ffunction-sections -fdata-sections $(MINIOS_INC)

IMAGE := $(O)/rumpnet-$(APP).xen

$(O)/obj/minios/%.o: $(TOP)/minios/%.S
	@mkdir -p $(dir $@)
	$(CC) -D__ASSEMBLY__ $(MINIOS_INC) -MMD -MP -c $< -o $@

# OBJS is computed after the fragments are read: expand it late.
.SECONDEXPANSION:
$(IMAGE): $(MINIOS_ASM_OBJS) $$(OBJS) $$(EXTOBJS) $(MINIOS_LDS)
	$(CC) -nostdlib -static -no-pie -Wl,--build-id=none \
	  -Wl,--no-warn-rwx-segments -Wl,--gc-sections -Wl,-T,$(MINIOS_LDS) -o $@.dbg \
	  $(MINIOS_ASM_OBJS) $(OBJS) $(EXTOBJS) -lgcc
	strip --strip-debug -o $@ $@.dbg
	@size $@ | tail -1 | awk '{print "rumpnet: image $@ text=" $$1 " data=" $$2 " bss=" $$3 " file=" '"$$(stat -c %s $@)"'}'

-include $(MINIOS_ASM_OBJS:.o=.d)
