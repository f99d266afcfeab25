/*
 * thread.c - hyp threads as pthreads.
 *
 * A struct hyp_thread carries the name, the function and whether it is
 * joinable; pthread-specific data points at it so hyp_thread_self works.
 * Not here: priorities, CPU affinity, cancellation.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "posix_impl.h"

struct hyp_thread {
	pthread_t pt;
	char name[32];
	void (*fn)(void *);
	void *arg;
	int joinable;
};

static pthread_key_t self_key;
static struct hyp_thread main_thread = { .name = "main" };

void posix_thread_init(void)
{
	pthread_key_create(&self_key, NULL);
	main_thread.pt = pthread_self();
	pthread_setspecific(self_key, &main_thread);
}

static void *trampoline(void *v)
{
	struct hyp_thread *t = v;

	pthread_setspecific(self_key, t);
	pthread_setname_np(pthread_self(), t->name);
	t->fn(t->arg);
	hyp_thread_exit();
}

int hyp_thread_create(struct hyp_thread **out, const char *name,
		      void (*fn)(void *), void *arg, size_t stack_size)
{
	struct hyp_thread *t = hyp_calloc(1, sizeof(*t));
	pthread_attr_t attr;
	int err;

	if (t == NULL)
		return HYP_ENOMEM;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->name[15] = '\0';	/* pthread names are at most 15 chars */
	t->fn = fn;
	t->arg = arg;
	t->joinable = out != NULL;
	pthread_attr_init(&attr);
	if (stack_size < 64 * 1024)
		stack_size = 64 * 1024;
	pthread_attr_setstacksize(&attr, stack_size);
	if (!t->joinable)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t->pt, &attr, trampoline, t);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		hyp_free(t);
		return HYP_ENOMEM;
	}
	if (out != NULL)
		*out = t;
	return 0;
}

void hyp_thread_exit(void)
{
	struct hyp_thread *t = pthread_getspecific(self_key);

	if (t != NULL && t != &main_thread && !t->joinable)
		hyp_free(t);
	pthread_exit(NULL);
}

int hyp_thread_join(struct hyp_thread *t)
{
	if (t == NULL || !t->joinable)
		return HYP_EINVAL;
	if (pthread_join(t->pt, NULL) != 0)
		return HYP_EINVAL;
	hyp_free(t);
	return 0;
}

void hyp_thread_yield(void)
{
	sched_yield();
}

struct hyp_thread *hyp_thread_self(void)
{
	return pthread_getspecific(self_key);
}

const char *hyp_thread_name(const struct hyp_thread *t)
{
	return t != NULL ? t->name : "?";
}
