/*
 * sync.c - hyp mutexes, condition variables and semaphores on pthreads.
 *
 * Mutexes are error-checking so relocking by the owner panics as the
 * interface says. Condvars use CLOCK_MONOTONIC so deadlines are in the
 * same time base as hyp_clock_monotonic(). A semaphore is a counter
 * under a mutex with a condvar (sem_t has no monotonic timed wait in
 * older glibc).
 * Not here: priority inheritance, recursive locks.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "posix_impl.h"

struct hyp_mutex {
	pthread_mutex_t m;
};

struct hyp_cond {
	pthread_cond_t c;
};

struct hyp_sem {
	pthread_mutex_t m;	/* protects: value */
	pthread_cond_t c;
	unsigned int value;
	unsigned int waiters;
};

static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
}

int hyp_mutex_create(struct hyp_mutex **out)
{
	struct hyp_mutex *m = hyp_malloc(sizeof(*m));
	pthread_mutexattr_t attr;

	if (m == NULL)
		return HYP_ENOMEM;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m->m, &attr);
	pthread_mutexattr_destroy(&attr);
	*out = m;
	return 0;
}

void hyp_mutex_destroy(struct hyp_mutex *m)
{
	if (m == NULL)
		return;
	if (pthread_mutex_destroy(&m->m) == EBUSY)
		hyp_panic("hyp_mutex_destroy: mutex %p is held", (void *)m);
	hyp_free(m);
}

void hyp_mutex_lock(struct hyp_mutex *m)
{
	int err = pthread_mutex_lock(&m->m);

	if (err != 0)
		hyp_panic("hyp_mutex_lock %p: error %d (relock by owner?)", (void *)m, err);
}

int hyp_mutex_trylock(struct hyp_mutex *m)
{
	return pthread_mutex_trylock(&m->m) == 0 ? 0 : HYP_EBUSY;
}

void hyp_mutex_unlock(struct hyp_mutex *m)
{
	int err = pthread_mutex_unlock(&m->m);

	if (err != 0)
		hyp_panic("hyp_mutex_unlock %p: error %d (not the owner)", (void *)m, err);
}

int hyp_cond_create(struct hyp_cond **out)
{
	struct hyp_cond *c = hyp_malloc(sizeof(*c));

	if (c == NULL)
		return HYP_ENOMEM;
	cond_init(&c->c);
	*out = c;
	return 0;
}

void hyp_cond_destroy(struct hyp_cond *c)
{
	if (c == NULL)
		return;
	pthread_cond_destroy(&c->c);
	hyp_free(c);
}

void hyp_cond_wait(struct hyp_cond *c, struct hyp_mutex *m)
{
	pthread_cond_wait(&c->c, &m->m);
}

int hyp_cond_timedwait(struct hyp_cond *c, struct hyp_mutex *m, uint64_t abs_ns)
{
	struct timespec ts;

	posix_deadline(abs_ns, &ts);
	return pthread_cond_timedwait(&c->c, &m->m, &ts) == ETIMEDOUT ? HYP_ETIMEDOUT : 0;
}

void hyp_cond_signal(struct hyp_cond *c)
{
	pthread_cond_signal(&c->c);
}

void hyp_cond_broadcast(struct hyp_cond *c)
{
	pthread_cond_broadcast(&c->c);
}

int hyp_sem_create(struct hyp_sem **out, unsigned int value)
{
	struct hyp_sem *s = hyp_calloc(1, sizeof(*s));

	if (s == NULL)
		return HYP_ENOMEM;
	pthread_mutex_init(&s->m, NULL);
	cond_init(&s->c);
	s->value = value;
	*out = s;
	return 0;
}

void hyp_sem_destroy(struct hyp_sem *s)
{
	if (s == NULL)
		return;
	if (s->waiters != 0)
		hyp_panic("hyp_sem_destroy: %u threads wait on %p", s->waiters, (void *)s);
	pthread_cond_destroy(&s->c);
	pthread_mutex_destroy(&s->m);
	hyp_free(s);
}

void hyp_sem_post(struct hyp_sem *s)
{
	pthread_mutex_lock(&s->m);
	s->value++;
	if (s->waiters != 0)
		pthread_cond_signal(&s->c);
	pthread_mutex_unlock(&s->m);
}

int hyp_sem_wait(struct hyp_sem *s, uint64_t abs_ns)
{
	struct timespec ts;
	int ret = 0;

	if (abs_ns != 0)
		posix_deadline(abs_ns, &ts);
	pthread_mutex_lock(&s->m);
	s->waiters++;
	while (s->value == 0) {
		if (abs_ns == 0) {
			pthread_cond_wait(&s->c, &s->m);
		} else if (pthread_cond_timedwait(&s->c, &s->m, &ts) == ETIMEDOUT) {
			if (s->value == 0)
				ret = HYP_ETIMEDOUT;
			break;
		}
	}
	if (ret == 0)
		s->value--;
	s->waiters--;
	pthread_mutex_unlock(&s->m);
	return ret;
}

int hyp_sem_trywait(struct hyp_sem *s)
{
	int ret = HYP_EAGAIN;

	pthread_mutex_lock(&s->m);
	if (s->value > 0) {
		s->value--;
		ret = 0;
	}
	pthread_mutex_unlock(&s->m);
	return ret;
}
