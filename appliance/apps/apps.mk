# apps/apps.mk - the app named by APP, plus what every app shares.
# Not here: the stack (rumptcpip.mk) or the platform.

src-y += apps/config.c

ifeq ($(APP),httpd)
src-y += apps/netcfg.c apps/httpd.c apps/http_parse.c apps/status.c apps/cpio.c apps/iperf.c
# lwIP's own apps, from the fetched tree (rumptcpip.mk compiles them)
lwip-apps-y += lwiperf/lwiperf.c
else ifeq ($(APP),router)
src-y += apps/netcfg.c apps/router.c apps/route.c apps/router_fwd.c apps/router_icmp.c
else ifeq ($(APP),selftest)
-include $(TOP)/apps/selftest/selftest.mk
else
$(error APP must be httpd, router or selftest, not '$(APP)')
endif
APP_CFLAGS += -I$(TOP)/apps
