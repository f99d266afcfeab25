/*
 * gnttab.h - minios grant tables (v1).
 * Thread context; never blocks.
 * Not here: grant v2, mapping other domains' grants, transfers.
 */
#ifndef MINIOS_GNTTAB_H
#define MINIOS_GNTTAB_H

#include <minios/os.h>

void gnttab_init(void);
/* Let domain `dom` access machine frame mfn. Returns the grant ref, or
 * HYP_ENOMEM when no free entry is left. */
int gnttab_grant_access(domid_t dom, unsigned long mfn, int readonly);
/* Revoke. 0 (ref freed), or HYP_EBUSY while the grantee still has it
 * mapped (the ref stays granted; retry later; do not reuse the page). */
int gnttab_end_access(grant_ref_t ref);
/* Run n copy operations; each op's status is filled in. Returns 0 if
 * the hypercall ran (check the statuses), HYP_EIO otherwise. */
int gnttab_copy(gnttab_copy_t *ops, unsigned int n);
/* Free entries left (diagnostics). */
unsigned int gnttab_free_count(void);

#endif /* MINIOS_GNTTAB_H */
