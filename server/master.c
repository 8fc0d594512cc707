/*
 * The master: binds the socket, forks and supervises workers, and acts on
 * signals.  It never includes Python.h: Python starts in each worker.
 *
 * Signals are blocked and taken synchronously with sigtimedwait() in the
 * main loop, so there are no handlers at all; the loop's timeout also
 * drives respawn back-off, request_timeout checks and shutdown deadlines.
 *
 * A generation is one loaded config with its socket and scoreboard.  A
 * reload starts a new generation's workers first and only then tells the
 * old ones to finish what they are doing and exit: the listen socket stays
 * open in the master throughout, so no connection is refused meanwhile.
 */
#include "server/master.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sock.h"
#include "config/config.h"
#include "server/worker.h"

#define MASTER_TICK_MS		200
#define MASTER_BACKOFF_MIN_MS	100
#define MASTER_BACKOFF_MAX_MS	10000
#define MASTER_HEALTHY_MS	2000	/* lived this long: not a start-up crash */
#define MASTER_QUIT_GRACE_MS	2000

struct generation {
	int			 id;
	struct config		*cfg;
	struct scoreboard	*sb;
	int			 listen_fd;
	bool			 own_socket;	/* bound by us (unlink on exit) */
	int			 alive;		/* workers not yet reaped */
	struct generation	*next;
};

/* One worker slot of a generation. */
struct child {
	struct generation	*gen;
	int			 slot;
	pid_t			 pid;		/* 0: not running */
	long long		 started_ms;
	long long		 respawn_at;	/* 0: no respawn pending */
	long long		 backoff_ms;
	bool			 retiring;	/* told to stop; not respawned */
	bool			 timed_out;
};

static struct generation	*master_gens;	/* newest first */
static struct child		*master_children;
static size_t			 master_nchildren;
static const char		*master_config_path;
static bool			 master_stopping;
static long long		 master_deadline;	/* kill stragglers at */

/* Forks one worker for c; the child never returns. */
static void
worker_spawn(struct child *c, const sigset_t *blocked)
{
	struct scoreboard_worker	*sw;
	struct generation		*g;
	pid_t				 pid;
	int				 t;

	sw = scoreboard_worker(c->gen->sb, c->slot);
	/* A dead worker may have left its threads marked busy; nobody writes
	 * the slot until the new worker runs. */
	for (t = 0; t < sw->nthreads; t++)
		atomic_store(&scoreboard_thread(c->gen->sb, c->slot, t)->state,
		    SCOREBOARD_IDLE);
	atomic_store(&sw->ready, 0);
	switch ((pid = fork())) {
	case -1:
		log_warn("%s: fork", __func__);
		c->respawn_at = scoreboard_now_ms() + MASTER_BACKOFF_MAX_MS;
		return;
	case 0:
		/* Child: only its own generation's socket stays open. */
		for (g = master_gens; g != NULL; g = g->next)
			if (g != c->gen && g->listen_fd != c->gen->listen_fd)
				close(g->listen_fd);
		sigprocmask(SIG_UNBLOCK, blocked, NULL);
		worker_main(c->gen->cfg, c->gen->listen_fd, c->gen->sb,
		    c->slot);
	default:
		break;
	}
	c->pid = pid;
	c->started_ms = scoreboard_now_ms();
	c->respawn_at = 0;
	c->timed_out = false;
	c->gen->alive++;
	atomic_store(&sw->pid, pid);
	atomic_store(&sw->started_ms, c->started_ms);
	atomic_store(&sw->generation, c->gen->id);
	log_debug("worker %d (generation %d) started, pid %ld", c->slot,
	    c->gen->id, (long)pid);
}

/* Adds a generation's worker slots to the child table and forks them. */
static int
generation_start(struct generation *g, const sigset_t *blocked)
{
	struct child	*cs;
	size_t		 n = (size_t)g->cfg->processes, i;

	cs = reallocarray(master_children, master_nchildren + n, sizeof(*cs));
	if (cs == NULL)
		return -1;
	master_children = cs;
	for (i = 0; i < n; i++) {
		memset(&cs[master_nchildren + i], 0, sizeof(*cs));
		cs[master_nchildren + i].gen = g;
		cs[master_nchildren + i].slot = (int)i;
		cs[master_nchildren + i].backoff_ms = MASTER_BACKOFF_MIN_MS;
	}
	master_nchildren += n;
	for (i = master_nchildren - n; i < master_nchildren; i++)
		worker_spawn(&master_children[i], blocked);
	return 0;
}

/* Path of a unix listen address, or NULL. */
static const char *
unix_path(const struct config *cfg)
{
	const struct sockaddr_un *sun;

	if (cfg->listen_addr.family != AF_UNIX)
		return NULL;
	sun = (const struct sockaddr_un *)&cfg->listen_addr.ss;
	return sun->sun_path;
}

/* Takes a socket passed by systemd (LISTEN_FDS), or -1 if none. */
static int
systemd_socket(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int		 flags;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
	    atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	flags = fcntl(3, F_GETFL);
	if (flags == -1 || fcntl(3, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 3;
}

/* Opens cfg's listen socket, or reuses prev's when the address is the same. */
static int
generation_socket(struct generation *g, const struct generation *prev)
{
	const struct config	*cfg = g->cfg;
	const char		*errstr = NULL;

	if (prev != NULL && strcmp(prev->cfg->listen, cfg->listen) == 0) {
		g->listen_fd = prev->listen_fd;
		g->own_socket = prev->own_socket;
		return 0;
	}
	if (prev == NULL && (g->listen_fd = systemd_socket()) != -1) {
		log_info("listening on the socket passed by systemd");
		return 0;
	}
	g->listen_fd = sock_listen(&cfg->listen_addr, cfg->backlog,
	    cfg->socket_mode, cfg->socket_owner, cfg->socket_group, &errstr);
	if (g->listen_fd == -1) {
		log_warn("cannot listen on %s: %s", cfg->listen,
		    errstr ? errstr : "error");
		return -1;
	}
	g->own_socket = true;
	log_info("listening on %s", cfg->listen_addr.text);
	return 0;
}

static struct generation *
generation_new(struct config *cfg, const struct generation *prev)
{
	struct generation	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->id = prev != NULL ? prev->id + 1 : 1;
	g->cfg = cfg;
	if ((g->sb = scoreboard_new(cfg->processes, cfg->threads)) == NULL) {
		log_warn("%s: scoreboard", __func__);
		free(g);
		return NULL;
	}
	if (generation_socket(g, prev) == -1) {
		scoreboard_free(g->sb);
		free(g);
		return NULL;
	}
	return g;
}

/* True if another live generation uses g's socket. */
static bool
socket_shared(const struct generation *g)
{
	const struct generation	*o;

	for (o = master_gens; o != NULL; o = o->next)
		if (o != g && o->listen_fd == g->listen_fd)
			return true;
	return false;
}

/* Frees an old generation once its last worker is gone. */
static void
generation_reap(struct generation *g)
{
	struct generation	**pp;
	const char		 *path;
	size_t			  i, j;

	if (g == master_gens || g->alive > 0)
		return;
	for (pp = &master_gens; *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	if (!socket_shared(g)) {
		if (g->own_socket && (path = unix_path(g->cfg)) != NULL)
			unlink(path);
		close(g->listen_fd);
	}
	for (i = j = 0; i < master_nchildren; i++)
		if (master_children[i].gen != g)
			master_children[j++] = master_children[i];
	master_nchildren = j;
	log_info("generation %d retired", g->id);
	scoreboard_free(g->sb);
	config_free(g->cfg);
	free(g);
}

static void
signal_children(struct generation *g, int sig)
{
	size_t	i;

	for (i = 0; i < master_nchildren; i++) {
		if (g != NULL && master_children[i].gen != g)
			continue;
		if (master_children[i].pid > 0)
			kill(master_children[i].pid, sig);
		if (sig != SIGUSR1)
			master_children[i].retiring = true;
	}
}

static void
log_exit(const struct child *c, int status)
{
	if (WIFEXITED(status))
		log_info("worker %d (pid %ld) exited with status %d", c->slot,
		    (long)c->pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("worker %d (pid %ld) killed by signal %d (%s)%s",
		    c->slot, (long)c->pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)),
		    c->timed_out ? ": request_timeout" : "");
}

/* Plans the respawn of a worker that died: at once if it had started
 * serving, with growing back-off when workers die at start-up (a broken
 * python.home, say) so they do not spin. */
static void
plan_respawn(struct child *c, int status)
{
	long long	now = scoreboard_now_ms();
	bool		clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool		served;

	served = atomic_load(&scoreboard_worker(c->gen->sb, c->slot)->ready);
	if (clean || c->timed_out || served ||
	    now - c->started_ms >= MASTER_HEALTHY_MS) {
		c->backoff_ms = MASTER_BACKOFF_MIN_MS;
		c->respawn_at = now;
		return;
	}
	c->respawn_at = now + c->backoff_ms;
	log_warnx("worker %d died at start-up; next try in %lld ms", c->slot,
	    c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > MASTER_BACKOFF_MAX_MS)
		c->backoff_ms = MASTER_BACKOFF_MAX_MS;
}

static void
reap(void)
{
	struct child	*c;
	pid_t		 pid;
	size_t		 i;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0, c = NULL; i < master_nchildren; i++)
			if (master_children[i].pid == pid)
				c = &master_children[i];
		if (c == NULL)
			continue;
		log_exit(c, status);
		atomic_store(&scoreboard_worker(c->gen->sb, c->slot)->pid, 0);
		c->pid = 0;
		c->gen->alive--;
		if (!c->retiring && !master_stopping &&
		    c->gen == master_gens)
			plan_respawn(c, status);
		generation_reap(c->gen);
	}
}

/* Kills workers whose request ran past request_timeout. */
static void
check_timeouts(long long now)
{
	struct scoreboard_thread	*st;
	struct child			*c;
	long long			 limit, started;
	size_t				 i;
	int				 t;

	for (i = 0; i < master_nchildren; i++) {
		c = &master_children[i];
		limit = c->gen->cfg->request_timeout_ms;
		if (c->pid <= 0 || c->timed_out || limit <= 0)
			continue;
		for (t = 0; t < c->gen->cfg->threads; t++) {
			st = scoreboard_thread(c->gen->sb, c->slot, t);
			started = atomic_load(&st->started_ms);
			if (atomic_load(&st->state) != SCOREBOARD_BUSY ||
			    now - started <= limit)
				continue;
			log_warnx("request_timeout (%lld ms): killing worker %d "
			    "(pid %ld): group \"%.*s\" uri %.*s", limit,
			    c->slot, (long)c->pid, SCOREBOARD_GROUP_MAX,
			    st->group, SCOREBOARD_URI_MAX, st->uri);
			c->timed_out = true;
			kill(c->pid, SIGKILL);
			break;
		}
	}
}

static void
respawn_due(long long now, const sigset_t *blocked)
{
	size_t	i;

	for (i = 0; i < master_nchildren; i++)
		if (master_children[i].pid == 0 &&
		    master_children[i].respawn_at != 0 &&
		    master_children[i].respawn_at <= now &&
		    master_children[i].gen == master_gens && !master_stopping)
			worker_spawn(&master_children[i], blocked);
}

/* Applies a config's log settings to the master. */
static void
apply_log(const struct config *cfg)
{
	log_init(cfg->log_level, NULL);
	if (log_open(cfg->log_file) == -1)
		log_warn("cannot open log file %s", cfg->log_file);
}

static void
reload(const sigset_t *blocked)
{
	struct generation	*g, *old = master_gens;
	struct config		*cfg;
	size_t			 i;

	log_info("reloading %s", master_config_path ? master_config_path :
	    "the built-in config");
	cfg = master_config_path ? config_load(master_config_path) :
	    config_default();
	if (cfg == NULL) {
		log_warnx("reload: out of memory; keeping the running config");
		return;
	}
	if (cfg->nerrors > 0) {
		for (i = 0; i < cfg->nerrors; i++)
			log_warnx("reload: %s", cfg->errors[i]);
		log_warnx("reload: config invalid; keeping the running one");
		config_free(cfg);
		return;
	}
	if ((g = generation_new(cfg, old)) == NULL) {
		log_warnx("reload: keeping the running config");
		config_free(cfg);
		return;
	}
	apply_log(cfg);
	g->next = master_gens;
	master_gens = g;
	if (generation_start(g, blocked) == -1)
		log_warn("reload: cannot start workers");
	/* New workers first, then the old ones finish and leave. */
	signal_children(old, SIGTERM);
	log_info("generation %d started; generation %d retiring", g->id,
	    old->id);
}

static void
begin_stop(int sig)
{
	long long	grace;

	master_stopping = true;
	if (sig == SIGQUIT) {
		log_info("SIGQUIT: stopping now");
		signal_children(NULL, SIGQUIT);
		grace = MASTER_QUIT_GRACE_MS;
	} else {
		log_info("%s: stopping gracefully (up to %lld ms)",
		    strsignal(sig), master_gens->cfg->graceful_timeout_ms);
		signal_children(NULL, SIGTERM);
		grace = master_gens->cfg->graceful_timeout_ms;
	}
	master_deadline = scoreboard_now_ms() + grace;
}

static bool
children_left(void)
{
	size_t	i;

	for (i = 0; i < master_nchildren; i++)
		if (master_children[i].pid > 0)
			return true;
	return false;
}

static void
handle_signal(int sig, const sigset_t *blocked)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		if (!master_stopping || sig == SIGQUIT)
			begin_stop(sig);
		break;
	case SIGHUP:
	case SIGUSR2:
		if (!master_stopping)
			reload(blocked);
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_warn("cannot reopen the log file");
		signal_children(NULL, SIGUSR1);
		break;
	case SIGCHLD:
		break;
	}
}

static void
master_loop(const sigset_t *blocked)
{
	struct timespec	 tick = { 0, MASTER_TICK_MS * 1000000L };
	long long	 now;
	int		 sig;

	for (;;) {
		sig = sigtimedwait(blocked, NULL, &tick);
		if (sig > 0)
			handle_signal(sig, blocked);
		reap();
		now = scoreboard_now_ms();
		if (master_stopping) {
			if (!children_left())
				return;
			if (now >= master_deadline) {
				log_warnx("graceful_timeout passed: killing "
				    "the workers left");
				signal_children(NULL, SIGKILL);
				master_deadline = now + MASTER_QUIT_GRACE_MS;
			}
			continue;
		}
		respawn_due(now, blocked);
		check_timeouts(now);
	}
}

/* Forks; the parent leaves at once, the child goes on. */
static void
fork_and_leave(void)
{
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		return;
	default:
		_exit(0);
	}
}

/* Detaches from the terminal (-D): a new session, and a second fork so
 * the daemon is no session leader and never gets a terminal again. */
static void
daemonize(void)
{
	int	fd;

	fork_and_leave();
	if (setsid() == -1)
		fatal("setsid");
	fork_and_leave();
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") == -1)
		log_warn("chdir /");
}

/* Writes the pid file, refusing to start over a running instance. */
static void
write_pid_file(const char *path)
{
	FILE	*f;
	long	 other;

	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &other) == 1 && other > 0 &&
		    other != (long)getpid() && kill((pid_t)other, 0) == 0)
			fatalx("%s: pyfpm already running as pid %ld", path,
			    other);
		fclose(f);
	}
	if ((f = fopen(path, "w")) == NULL)
		fatal("cannot write pid file %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF)
		fatal("cannot write pid file %s", path);
}

/* A numeric id as config/ accepts it for user and group, or -1. */
static long
parse_id(const char *s)
{
	char	*end;
	long	 id;

	id = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && id >= 0 ? id : -1;
}

/* Resolves a group name or a numeric gid; -1 when unknown. */
static long
find_group(const char *name)
{
	struct group	*gr;

	if ((gr = getgrnam(name)) != NULL)
		return (long)gr->gr_gid;
	return parse_id(name);
}

/* Switches to the configured user and group after binding (when root).
 * A numeric user with no passwd entry keeps its number as uid. */
static void
drop_privileges(const struct config *cfg)
{
	struct passwd	*pw = NULL;
	long		 gid = -1, uid = -1;

	if (geteuid() != 0 || (cfg->user == NULL && cfg->group == NULL))
		return;
	if (cfg->user != NULL) {
		if ((pw = getpwnam(cfg->user)) == NULL &&
		    (uid = parse_id(cfg->user)) != -1)
			pw = getpwuid((uid_t)uid);
		if (pw != NULL) {
			uid = (long)pw->pw_uid;
			gid = (long)pw->pw_gid;
		} else if (uid == -1)
			fatalx("unknown user %s", cfg->user);
	}
	if (cfg->group != NULL && (gid = find_group(cfg->group)) == -1)
		fatalx("unknown group %s", cfg->group);
	if (gid == -1)
		gid = (long)getegid();
	if (setgroups(1, &(gid_t){ (gid_t)gid }) == -1 ||
	    setgid((gid_t)gid) == -1)
		fatal("cannot switch to group %ld", gid);
	if (pw != NULL && initgroups(pw->pw_name, (gid_t)gid) == -1)
		fatal("cannot set the groups of user %s", pw->pw_name);
	if (uid != -1 && setuid((uid_t)uid) == -1)
		fatal("cannot switch to user %s", cfg->user);
	log_info("running as uid %ld, gid %ld", uid != -1 ? uid :
	    (long)getuid(), gid);
}

static void
cleanup(void)
{
	struct generation	*g;
	const char		*path;

	for (g = master_gens; g != NULL; g = g->next)
		if (g->own_socket && (path = unix_path(g->cfg)) != NULL)
			unlink(path);
	if (master_gens != NULL && master_gens->cfg->pid_file != NULL)
		unlink(master_gens->cfg->pid_file);
}

int
master_run(struct config *cfg, const char *config_path, bool detach)
{
	struct generation	*g;
	sigset_t		 blocked;

	master_config_path = config_path;
	apply_log(cfg);
	log_set_tag("master");
	/* Blocked here, inherited by workers, which unblock what they use. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGQUIT);
	sigaddset(&blocked, SIGHUP);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGUSR2);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((g = generation_new(cfg, NULL)) == NULL)
		return 1;
	master_gens = g;
	if (detach)
		daemonize();
	if (cfg->pid_file != NULL)
		write_pid_file(cfg->pid_file);
	drop_privileges(cfg);
	log_info("pyfpm %s started: %d processes x %d threads, config %s",
	    PACKAGE_VERSION, cfg->processes, cfg->threads, cfg->file);
	if (generation_start(g, &blocked) == -1)
		fatal("cannot start workers");
	master_loop(&blocked);
	cleanup();
	log_info("stopped");
	return 0;
}
