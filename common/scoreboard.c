/* The scoreboard lives in one anonymous shared mapping made by the master
 * before it forks; each thread slot is written only by its own thread. */
#include "common/scoreboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct scoreboard *
scoreboard_new(int nworkers, int nthreads)
{
	struct scoreboard	*sb;
	size_t			 stride, size;
	void			*p;
	int			 i;

	stride = sizeof(struct scoreboard_worker) +
	    (size_t)nthreads * sizeof(struct scoreboard_thread);
	/* keep every slot aligned for its atomics */
	stride = (stride + 63) & ~(size_t)63;
	size = 64 + (size_t)nworkers * stride;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	sb = p;
	sb->nworkers = nworkers;
	sb->nthreads = nthreads;
	sb->size = size;
	sb->stride = stride;
	for (i = 0; i < nworkers; i++)
		scoreboard_worker(sb, i)->nthreads = nthreads;
	return sb;
}

void
scoreboard_free(struct scoreboard *sb)
{
	if (sb != NULL)
		munmap(sb, sb->size);
}

struct scoreboard_worker *
scoreboard_worker(struct scoreboard *sb, int i)
{
	return (struct scoreboard_worker *)((char *)sb + 64 +
	    (size_t)i * sb->stride);
}

struct scoreboard_thread *
scoreboard_thread(struct scoreboard *sb, int i, int t)
{
	struct scoreboard_worker	*w = scoreboard_worker(sb, i);
	struct scoreboard_thread	*threads = (void *)(w + 1);

	return &threads[t];
}

long long
scoreboard_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
scoreboard_thread_busy(struct scoreboard_thread *st, const char *group,
    const char *uri)
{
	snprintf(st->group, sizeof(st->group), "%s", group);
	snprintf(st->uri, sizeof(st->uri), "%s", uri);
	atomic_store(&st->started_ms, scoreboard_now_ms());
	atomic_store(&st->state, SCOREBOARD_BUSY);
}

void
scoreboard_thread_idle(struct scoreboard_thread *st)
{
	atomic_store(&st->state, SCOREBOARD_IDLE);
}

void
scoreboard_thread_done(struct scoreboard_thread *st)
{
	atomic_fetch_add(&st->requests, 1);
}
