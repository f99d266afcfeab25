# rumptcpip/rumptcpip.mk - lwIP (fetched, never committed) and our glue.
#
# LWIP_DIR is the unpacked upstream tree (tools/lwip.py finds or fetches
# it when not given). Patches in rumptcpip/patches/*.patch, if any, are
# applied in order to a copy under $(O)/lwip, which is then built.
# Not here: the platform or the apps.

ifeq ($(strip $(LWIP_DIR)),)
override LWIP_DIR := $(shell cd $(TOP)/.. && python3 -m tools.lwip)
endif
ifeq ($(wildcard $(LWIP_DIR)/src/core/tcp.c),)
$(error LWIP_DIR '$(LWIP_DIR)' is not an lwIP tree (run: python3 -m tools.lwip))
endif

# Patched copy: made at parse time, once per patch set, only for goals that
# compile (not testbuild/clean, whose sub-makes do it in their own O). A
# LWIP_DIR that is already such a copy is used as it is.
LWIP_PATCHES := $(sort $(wildcard $(TOP)/rumptcpip/patches/*.patch))
ifneq ($(LWIP_PATCHES),)
ifeq ($(filter testbuild clean help,$(MAKECMDGOALS)),)
LWIP_PATCH_ID := $(firstword $(shell cat $(LWIP_PATCHES) | sha256sum))
ifeq ($(wildcard $(LWIP_DIR)/.patched-$(LWIP_PATCH_ID)),)
override LWIP_DIR := $(shell set -e; d=$(abspath $(O))/lwip; \
  if [ ! -f $$d/.patched-$(LWIP_PATCH_ID) ]; then rm -rf $$d; mkdir -p $$d; \
  cp -r $(LWIP_DIR)/src $$d/; \
  for p in $(LWIP_PATCHES); do patch -s -t -N -d $$d -p1 < $$p >&2; done; \
  touch $$d/.patched-$(LWIP_PATCH_ID); fi; echo $$d)
endif
ifeq ($(wildcard $(LWIP_DIR)/.patched-$(LWIP_PATCH_ID)),)
$(error applying rumptcpip/patches to lwIP failed)
endif
endif
endif

LWIP_INC := -I$(TOP)/rumptcpip/include -I$(LWIP_DIR)/src/include
APP_CFLAGS += $(LWIP_INC)
EXT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wno-address -I$(TOP)/include $(LWIP_INC)

extsrc-y += $(addprefix $(LWIP_DIR)/src/core/, init.c def.c inet_chksum.c ip.c \
              mem.c memp.c netif.c pbuf.c stats.c sys.c tcp.c tcp_in.c tcp_out.c \
              timeouts.c udp.c) \
            $(addprefix $(LWIP_DIR)/src/core/ipv4/, dhcp.c etharp.c icmp.c \
              ip4.c ip4_addr.c ip4_frag.c) \
            $(addprefix $(LWIP_DIR)/src/core/ipv6/, ethip6.c icmp6.c inet6.c \
              ip6.c ip6_addr.c ip6_frag.c mld6.c nd6.c) \
            $(LWIP_DIR)/src/api/tcpip.c \
            $(LWIP_DIR)/src/netif/ethernet.c \
            $(addprefix $(LWIP_DIR)/src/apps/, $(lwip-apps-y))

src-y += rumptcpip/stack.c rumptcpip/netif_hyp.c rumptcpip/sys_arch.c \
         rumptcpip/sys_sem.c rumptcpip/sys_mutex.c rumptcpip/sys_mbox.c \
         rumptcpip/sys_thread.c rumptcpip/sys_time.c rumptcpip/tcp_isn.c rumptcpip/filters.c
