# posix/posix.mk - the POSIX platform: hyper.h as a Linux process on TAP.
#
# Included by appliance/Makefile for PLATFORM=posix. Adds the platform's
# sources to src-y, sets IMAGE and links it with pthreads.
# Not here: lwIP or app sources (rumptcpip.mk, apps.mk).

src-y += posix/main.c posix/console.c posix/exit.c posix/mem.c \
         posix/clock.c posix/thread.c posix/sync.c posix/param.c \
         posix/content.c posix/tap.c

IMAGE := $(O)/rumpnet-$(APP).posix
PLATFORM_CFLAGS := -pthread -D_GNU_SOURCE

# OBJS is computed after this fragment is read: expand it at rule time.
.SECONDEXPANSION:
$(IMAGE): $$(OBJS) $$(EXTOBJS)
	@mkdir -p $(dir $@)
	$(CC) -pthread -o $@ $(OBJS) $(EXTOBJS)
	@size $@ | tail -1 | awk '{print "rumpnet: image $@ text=" $$1 " data=" $$2 " bss=" $$3}'
