# netfront/netfront.mk - the Xen vif frontend (hyp_nic_* on minios).
#
# Included by appliance/Makefile after minios/minios.mk for PLATFORM=xen:
# replaces the placeholder minios/nic_stub.c with the real driver.
# Not here: the kernel (minios.mk) or the lwIP netif (rumptcpip.mk).

src-y := $(filter-out minios/nic_stub.c,$(src-y))
src-y += netfront/netfront.c netfront/netfront_xs.c
