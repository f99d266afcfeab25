/*
 * xenbus.h - minios xenstore client.
 *
 * All calls run in thread context and may block (they wait for the
 * xenstore daemon). Paths without a leading '/' are relative to the
 * domain's home /local/domain/<domid>. Errors: HYP_ENOENT (no such
 * node), HYP_EAGAIN (transaction conflict: redo it), HYP_ENOMEM,
 * HYP_E2BIG (message over 4096 bytes), HYP_EINVAL, HYP_EIO (others,
 * e.g. EACCES).
 * Not here: permissions, XS_RESET_WATCHES, reconnection after resume.
 */
#ifndef MINIOS_XENBUS_H
#define MINIOS_XENBUS_H

#include <minios/os.h>

typedef uint32_t xenbus_tx_t;  /* 0 = no transaction */
struct xenbus_watch;

void xenbus_init(void);
domid_t xenbus_domid(void);
/* *value: malloc'd, NUL-terminated; free with hyp_free. */
int xenbus_read(xenbus_tx_t tx, const char *path, char **value);
int xenbus_write(xenbus_tx_t tx, const char *path, const char *value);
int xenbus_rm(xenbus_tx_t tx, const char *path);
/* *names: malloc'd array of *n pointers followed by the strings; one
 * hyp_free releases it all. */
int xenbus_directory(xenbus_tx_t tx, const char *path, char ***names,
		     unsigned int *n);
int xenbus_transaction_start(xenbus_tx_t *tx);
/* Commit (abort = 0) or abort. HYP_EAGAIN: conflict, start over. */
int xenbus_transaction_end(xenbus_tx_t tx, int abort);
/* Watch path and everything below it. Fires once at once. */
int xenbus_watch(const char *path, struct xenbus_watch **out);
/* Next fired path (malloc'd) or HYP_ETIMEDOUT at deadline (0 = none). */
int xenbus_watch_wait(struct xenbus_watch *w, uint64_t deadline,
		      char **path);
void xenbus_unwatch(struct xenbus_watch *w);

#endif /* MINIOS_XENBUS_H */
