/*
 * checks_config.c - self-test of parameters and content: the harness
 * sets selftest.token, which must read back (and is echoed so the
 * harness can compare); an unset key gives HYP_ENOENT, a short buffer
 * HYP_E2BIG; the content archive, if any, is a cpio newc archive; the
 * NIC count is reported.
 */
#include <string.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

static void check_params(void)
{
	char buf[64], small[2];
	int n = hyp_param_get("selftest.token", buf, sizeof(buf));
	int unset = hyp_param_get("selftest.no-such-key", buf + 32, 16);
	int big = n > 1 ? hyp_param_get("selftest.token", small, sizeof(small))
		: 0;

	st_report("param", n > 0 && unset == HYP_ENOENT && big == HYP_E2BIG,
		  "token=%s len=%d unset=%d short=%d", n > 0 ? buf : "-", n,
		  unset, big);
}

static void check_content(void)
{
	const void *base;
	size_t len;
	int r = hyp_content(&base, &len);

	if (r == HYP_ENOENT) {
		st_report("content", 1, "none");
		return;
	}
	st_report("content", r == 0 && len >= 6 && !memcmp(base, "070701", 6),
		  "ret=%d len=%lu", r, (unsigned long)len);
}

static void check_nics(void)
{
	int n = hyp_nic_count();

	st_report("nic_count", n >= 0, "count=%d", n);
}

void st_checks_config(void)
{
	check_params();
	check_content();
	check_nics();
}
