# apps/selftest/selftest.mk - the self-test app: exercises hyper.h and,
# on Xen, the minios event channel, grant table and xenstore layers.
# Included by apps/apps.mk for APP=selftest.

src-y += apps/selftest/selftest.c apps/selftest/checks_mem.c \
         apps/selftest/checks_thread.c apps/selftest/checks_time.c \
         apps/selftest/checks_config.c
ifeq ($(PLATFORM),xen)
src-y += apps/selftest/checks_xen.c
else
src-y += apps/selftest/checks_none.c
endif
