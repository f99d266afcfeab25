/*
 * arch/sys_arch.h - lwIP's OS types over the hypercall interface.
 *
 * Semaphores, mutexes and threads are hyper.h objects held by pointer
 * (NULL means invalid); a mailbox is a ring under a hyp_mutex
 * (sys_mbox.c). Not here: the functions (one file per primitive).
 */
#ifndef RUMPNET_ARCH_SYS_ARCH_H
#define RUMPNET_ARCH_SYS_ARCH_H

#include <rumpnet/hyper.h>

typedef struct hyp_sem *sys_sem_t;
typedef struct hyp_mutex *sys_mutex_t;
typedef struct sys_mbox_ring *sys_mbox_t;
typedef struct hyp_thread *sys_thread_t;
typedef int sys_prot_t;

#define sys_sem_valid(s)          (*(s) != NULL)
#define sys_sem_set_invalid(s)    (*(s) = NULL)
#define sys_mutex_valid(m)        (*(m) != NULL)
#define sys_mutex_set_invalid(m)  (*(m) = NULL)
#define sys_mbox_valid(b)         (*(b) != NULL)
#define sys_mbox_set_invalid(b)   (*(b) = NULL)

#endif /* RUMPNET_ARCH_SYS_ARCH_H */
