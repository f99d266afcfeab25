/*
 * control.c - minios reaction to toolstack shutdown requests.
 *
 * A thread watches ~/control/shutdown; when `xl shutdown` / `xl reboot`
 * writes "poweroff", "halt" or "reboot" there, it acknowledges by
 * writing "" back and shuts the domain down with that reason (status
 * 0). The thread spends its life blocked in xenbus_watch_wait().
 * Not here: suspend/resume ("suspend" requests are ignored, logged).
 */
#include <minios/os.h>
#include <minios/xenbus.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>
#include <string.h>

#define NODE "control/shutdown"

static void control_thread(void *arg)
{
	struct xenbus_watch *w;
	char *path, *req;

	(void)arg;
	if (xenbus_watch(NODE, &w)) {
		printk("minios: cannot watch %s; xl shutdown will not work\n",
		       NODE);
		return;
	}
	for (;;) {
		if (xenbus_watch_wait(w, 0, &path))
			continue;
		hyp_free(path);
		if (xenbus_read(0, NODE, &req))
			continue;
		if (!strcmp(req, "poweroff") || !strcmp(req, "halt")) {
			xenbus_write(0, NODE, "");
			hyp_exit(HYP_EXIT_POWEROFF, 0);
		} else if (!strcmp(req, "reboot")) {
			xenbus_write(0, NODE, "");
			hyp_exit(HYP_EXIT_REBOOT, 0);
		} else if (req[0]) {
			printk("minios: ignoring shutdown request '%s'\n", req);
		}
		hyp_free(req);
	}
}

void control_init(void);
void control_init(void)
{
	if (hyp_thread_create(NULL, "control", control_thread, NULL, 0))
		printk("minios: no memory for the control thread\n");
}
