/* The scoreboard: shared memory where each worker thread publishes what it
 * is doing, for the master (request_timeout) and the status page. */
#ifndef PYFPM_COMMON_SCOREBOARD_H
#define PYFPM_COMMON_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#define SCOREBOARD_GROUP_MAX	64
#define SCOREBOARD_URI_MAX	160

enum scoreboard_state {
	SCOREBOARD_IDLE = 0,
	SCOREBOARD_BUSY
};

/* One request thread; written only by that thread. */
struct scoreboard_thread {
	_Atomic int			state;
	_Atomic long long		started_ms;	/* CLOCK_MONOTONIC */
	_Atomic unsigned long		requests;
	char				group[SCOREBOARD_GROUP_MAX];
	char				uri[SCOREBOARD_URI_MAX];
};

/* One worker process; pid, started_ms and generation are written by the
 * master before the fork, ready by the worker once it serves. */
struct scoreboard_worker {
	_Atomic pid_t			pid;		/* 0: slot unused */
	_Atomic long long		started_ms;
	_Atomic int			generation;
	_Atomic int			ready;		/* Python up, serving */
	int				nthreads;
};

/* A generation's board: nworkers slots of nthreads threads. */
struct scoreboard {
	int	nworkers;
	int	nthreads;
	size_t	size;		/* bytes mapped */
	size_t	stride;		/* bytes per worker slot */
};

/* Maps a board shared with children forked later.  NULL on failure (errno).
 * Caller frees with scoreboard_free(). */
struct scoreboard		*scoreboard_new(int nworkers, int nthreads);
/* Unmaps a board; NULL does nothing. */
void				 scoreboard_free(struct scoreboard *sb);
/* Worker slot i (0 <= i < nworkers).  Borrowed from sb. */
struct scoreboard_worker	*scoreboard_worker(struct scoreboard *sb, int i);
/* Thread t of worker slot i.  Borrowed from sb. */
struct scoreboard_thread	*scoreboard_thread(struct scoreboard *sb, int i,
				    int t);

/* The thread starts a request for group and uri (both truncated to fit). */
void	scoreboard_thread_busy(struct scoreboard_thread *st, const char *group,
	    const char *uri);
/* The thread's request is answered; it still may be finishing I/O. */
void	scoreboard_thread_idle(struct scoreboard_thread *st);
/* The thread is done with the request: counts it. */
void	scoreboard_thread_done(struct scoreboard_thread *st);

/* Milliseconds of CLOCK_MONOTONIC, comparable across processes. */
long long	scoreboard_now_ms(void);

#endif
