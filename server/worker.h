/* A worker process: Python, request threads, the accept loop. */
#ifndef PYFPM_SERVER_WORKER_H
#define PYFPM_SERVER_WORKER_H

#include <stdnoreturn.h>

struct config;
struct scoreboard;

/*
 * Runs a freshly forked worker: applies `env:`, starts Python, preloads,
 * serves listen_fd with cfg->threads threads, and exits when told to stop
 * (SIGTERM/INT/HUP/USR2: gracefully; SIGQUIT: at once) or when
 * max_requests is reached.  Publishes its threads in slot of sb.
 */
noreturn void	worker_main(const struct config *cfg, int listen_fd,
		    struct scoreboard *sb, int slot);

#endif
