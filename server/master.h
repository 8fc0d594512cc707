/* The master process: socket, workers, signals, reload. */
#ifndef PYFPM_SERVER_MASTER_H
#define PYFPM_SERVER_MASTER_H

#include <stdbool.h>

struct config;

/*
 * Binds cfg's socket, forks the workers and supervises them until a stop
 * signal.  Takes ownership of cfg (freed when a reload replaces it);
 * config_path is re-read on SIGHUP/SIGUSR2 (NULL: the built-in default).
 * detach (-D) forks into the background first.  Returns the exit status.
 */
int	master_run(struct config *cfg, const char *config_path, bool detach);

#endif
