/*
 * A worker process: starts Python after the fork, then runs `threads`
 * request threads around one epoll set.
 *
 * The epoll set holds the shared listen socket, the worker's idle kept
 * connections and a stop eventfd.  A thread that wakes takes one event and
 * serves it itself (leader/followers, no hand-off): it accepts a connection,
 * or serves the next request of a kept one, then parks the connection back
 * in the set if the front-end keeps it.  Idle kept connections therefore
 * hold no thread, which is what keeps p99 flat with fastcgi_keep_conn.
 * Everything is EPOLLONESHOT so one connection is never served by two
 * threads at once; the listen socket is re-armed right after each accept.
 *
 * Stopping drains: the listen socket leaves the set (the next generation,
 * or nobody, takes new connections), requests that still arrive on parked
 * connections are served and their connections closed after the answer,
 * and a thread leaves once it has seen WORKER_DRAIN_QUIET_MS without any
 * event.
 * Closing a kept connection the front-end has just sent a request on would
 * reset it, which nginx turns into a 502 for a POST.
 *
 * Signals are blocked in every thread; the process's main thread waits for
 * them with sigwait() and only sets flags and writes the stop eventfd.
 */
#include "server/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "common/group.h"
#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sock.h"
#include "config/config.h"
#include "server/python/interp.h"
#include "server/request.h"
#include "server/wsgi/wsgi.h"

#define TAG_LISTEN	(UINT64_C(1) << 32)

/* How long epoll waits before looking at the stop flag. */
#define WORKER_TICK_MS		200
/* A stopping thread leaves after this long without any event.  Longer is
 * safer for kept connections the front-end has not used for a while (it
 * may pick one just as we close it), shorter makes stops quicker. */
#define WORKER_DRAIN_QUIET_MS	1000

struct worker {
	const struct config	*cfg;
	struct scoreboard	*sb;
	int			 slot;
	int			 listen_fd;
	int			 epfd;
	int			 stopfd;
	atomic_bool		 stopping;
	atomic_llong		 served;
	atomic_int		 running;	/* request threads in their loop */
	_Atomic unsigned char	*parked;	/* by fd: 1 while parked idle */
	int			 nparked;	/* size of parked */
};

struct worker_thread {
	struct worker		*w;
	int			 index;
	pthread_t		 tid;
};

static struct worker	worker;

/* Starts the drain: no new connections; threads notice within a tick.
 * The eventfd wakes the main thread's stop watcher. */
static void
worker_stop(struct worker *w, const char *why)
{
	uint64_t	one = 1;

	if (atomic_exchange(&w->stopping, true))
		return;
	log_info("stopping: %s", why);
	if (epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->listen_fd, NULL) == -1)
		log_warn("%s: leaving the listen socket", __func__);
	if (write(w->stopfd, &one, sizeof(one)) == -1)
		log_warn("%s: eventfd", __func__);
}

/* Watches fd for its next request (ADD for new, MOD for re-arming). */
static void
park(struct worker *w, int fd, int op)
{
	struct epoll_event	ev;

	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
	ev.data.u64 = (uint64_t)fd;
	if (fd < w->nparked)
		atomic_store(&w->parked[fd], 1);
	if (epoll_ctl(w->epfd, op, fd, &ev) == -1) {
		log_warn("%s: epoll_ctl fd %d", __func__, fd);
		if (fd < w->nparked)
			atomic_store(&w->parked[fd], 0);
		close(fd);
	}
}

/*
 * The last thread to leave a drain closes the idle kept connections at
 * once, rather than at process exit after Python's shutdown: the shorter
 * the time between "no request came" and the close, the smaller the chance
 * that the front-end sends one on a connection we are about to drop.
 */
static void
close_parked(struct worker *w)
{
	int	fd;

	for (fd = 0; fd < w->nparked; fd++)
		if (atomic_load(&w->parked[fd])) {
			atomic_store(&w->parked[fd], 0);
			close(fd);
		}
}

/*
 * A peer that connects and then sends nothing (or stops halfway through its
 * params) would hold the thread reading it forever, and the scoreboard
 * shows that thread idle, so request_timeout never fires.  Reads on the
 * connection time out after request_timeout instead; libfcgi then drops it.
 */
static void
set_read_timeout(const struct worker *w, int fd)
{
	long long	ms = w->cfg->request_timeout_ms;
	struct timeval	tv;

	if (ms <= 0)
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		log_warn("%s: SO_RCVTIMEO", __func__);
}

/* Accepts one connection, re-arms the listen socket, filters the peer.
 * Returns the blocking connection fd, or -1. */
static int
accept_one(struct worker *w)
{
	struct sockaddr_storage	 ss;
	struct epoll_event	 ev;
	socklen_t		 len = sizeof(ss);
	int			 fd, one = 1;

	/* Accepted sockets are blocking, as libfcgi's reads expect. */
	fd = accept4(w->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = TAG_LISTEN;
	if (!atomic_load(&w->stopping) &&
	    epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->listen_fd, &ev) == -1 &&
	    !atomic_load(&w->stopping))
		log_warn("%s: re-arming the listen socket", __func__);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR)
			log_warn("%s: accept", __func__);
		if (errno == EMFILE || errno == ENFILE)
			usleep(10000);	/* let connections finish */
		return -1;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		if (!sock_peer_allowed((struct sockaddr *)&ss,
		    w->cfg->allowed_clients, w->cfg->nallowed_clients)) {
			log_warnx("%s: connection refused: peer not in "
			    "allowed_clients", __func__);
			close(fd);
			return -1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	set_read_timeout(w, fd);
	return fd;
}

static void
count_request(struct worker *w)
{
	long long	n = atomic_fetch_add(&w->served, 1) + 1;

	if (w->cfg->max_requests > 0 && n == w->cfg->max_requests)
		worker_stop(w, "max_requests reached");
}

static void *
worker_thread(void *arg)
{
	struct worker_thread		*wt = arg;
	struct worker			*w = wt->w;
	struct scoreboard_thread	*st;
	struct epoll_event		 ev;
	int				 n, fd, op, quiet = 0;

	st = scoreboard_thread(w->sb, w->slot, wt->index);
	for (;;) {
		n = epoll_wait(w->epfd, &ev, 1, WORKER_TICK_MS);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: epoll_wait", __func__);
			break;
		}
		if (n == 0) {
			/* Quiet time counts only once the drain began. */
			if (!atomic_load(&w->stopping))
				continue;
			quiet += WORKER_TICK_MS;
			if (quiet >= WORKER_DRAIN_QUIET_MS)
				break;	/* drained */
			continue;
		}
		quiet = 0;
		if (ev.data.u64 == TAG_LISTEN) {
			if ((fd = accept_one(w)) == -1)
				continue;
			op = EPOLL_CTL_ADD;
		} else {
			fd = (int)ev.data.u64;
			op = EPOLL_CTL_MOD;
			if (fd < w->nparked)
				atomic_store(&w->parked[fd], 0);
		}
		fd = request_serve(fd, w->cfg, w->sb, st,
		    atomic_load(&w->stopping));
		count_request(w);
		if (fd >= 0)
			park(w, fd, op);
	}
	if (atomic_fetch_sub(&w->running, 1) == 1)
		close_parked(w);
	request_thread_exit();
	interp_thread_exit();
	return NULL;
}

/* Sets `env:` in the process environment, before Python reads it. */
static void
apply_env(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].name, cfg->env[i].value, 1) == -1)
			log_warn("%s: setenv %s", __func__, cfg->env[i].name);
}

/* Creates the interpreters of `preload` routes and imports their scripts. */
static void
preload(const struct config *cfg)
{
	struct interp	*in;
	char		*group;
	size_t		 i;
	int		 status;

	for (i = 0; i < cfg->nroutes; i++) {
		if (!cfg->routes[i].preload || cfg->routes[i].script == NULL)
			continue;
		group = group_expand(cfg->routes[i].group, NULL, NULL, NULL,
		    NULL, cfg->routes[i].prefix[1] ? cfg->routes[i].prefix : "");
		if (group == NULL)
			continue;
		if ((in = interp_acquire(group, &status)) != NULL) {
			wsgi_preload(in, &cfg->routes[i]);
			interp_release(in);
		}
		free(group);
	}
}

static int
setup_events(struct worker *w)
{
	struct epoll_event	ev;

	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	if ((w->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		return -1;
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = TAG_LISTEN;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->listen_fd, &ev);
}

/* Waits for signals in the main thread until the worker is to stop. */
static void
wait_signals(struct worker *w, const sigset_t *set)
{
	int	sig;

	while (!atomic_load(&w->stopping)) {
		if (sigwait(set, &sig) != 0)
			continue;
		switch (sig) {
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
		case SIGUSR2:
			worker_stop(w, "signal from the master");
			break;
		case SIGQUIT:
			_exit(0);	/* immediate stop, as asked */
		case SIGUSR1:
			if (log_reopen() == -1)
				log_warn("%s: reopening the log", __func__);
			break;
		}
	}
}

/* Wakes the main thread (blocked in sigwait) when the worker stops for a
 * reason of its own, such as max_requests. */
static void *
stop_watch(void *arg)
{
	struct worker		*w = arg;
	struct epoll_event	 ev;
	int			 ep;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return NULL;
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, w->stopfd, &ev) == 0)
		while (epoll_wait(ep, &ev, 1, -1) == -1 && errno == EINTR)
			;
	close(ep);
	kill(getpid(), SIGTERM);
	return NULL;
}

/* One byte per possible fd (RLIMIT_NOFILE, at most 1M). */
static int
parked_size(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > (1 << 20))
		return 1 << 20;
	return (int)rl.rlim_cur;
}

static void
start_threads(struct worker *w, struct worker_thread *threads, int n)
{
	int	i, err;

	for (i = 0; i < n; i++) {
		threads[i].w = w;
		threads[i].index = i;
		err = pthread_create(&threads[i].tid, NULL, worker_thread,
		    &threads[i]);
		if (err != 0) {
			errno = err;
			fatal("%s: pthread_create", __func__);
		}
	}
}

noreturn void
worker_main(const struct config *cfg, int listen_fd, struct scoreboard *sb,
    int slot)
{
	struct interp_options	 opts;
	struct worker		*w = &worker;
	struct worker_thread	*threads;
	pthread_t		 watcher;
	sigset_t		 set;
	char			 tag[32];
	int			 i;

	snprintf(tag, sizeof(tag), "worker %d", slot);
	log_set_tag(tag);
	w->cfg = cfg;
	w->sb = sb;
	w->slot = slot;
	w->listen_fd = listen_fd;
	apply_env(cfg);

	/* libfcgi installs its own SIGTERM/SIGUSR1/SIGPIPE handlers here;
	 * ours replace them: every signal but SIGPIPE (ignored) is blocked
	 * and taken by sigwait() below. */
	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	memset(&opts, 0, sizeof(opts));
	opts.home = cfg->python_home;
	opts.path = cfg->python_path;
	opts.npath = cfg->npython_path;
	opts.own_gil = cfg->own_gil;
	opts.max_interpreters = cfg->max_interpreters;
	if (interp_init(&opts) == -1)
		fatalx("Python did not start");
	preload(cfg);
	if (setup_events(w) == -1)
		fatal("%s: epoll setup", __func__);

	if ((threads = calloc((size_t)cfg->threads, sizeof(*threads))) == NULL)
		fatal("%s: calloc", __func__);
	w->nparked = parked_size();
	if ((w->parked = calloc((size_t)w->nparked, 1)) == NULL)
		fatal("%s: calloc", __func__);
	atomic_store(&w->running, cfg->threads);
	start_threads(w, threads, cfg->threads);
	if (pthread_create(&watcher, NULL, stop_watch, w) != 0)
		fatalx("%s: cannot start the stop watcher", __func__);
	atomic_store(&scoreboard_worker(sb, slot)->ready, 1);
	log_debug("ready: %d threads", cfg->threads);

	wait_signals(w, &set);
	for (i = 0; i < cfg->threads; i++)
		pthread_join(threads[i].tid, NULL);
	pthread_join(watcher, NULL);
	free(threads);
	free((void *)w->parked);
	interp_shutdown();
	log_debug("exiting after %lld requests", atomic_load(&w->served));
	exit(0);
}
