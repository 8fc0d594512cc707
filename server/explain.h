/* `pyfpm --explain URL`: what a request would get, without serving it. */
#ifndef PYFPM_SERVER_EXPLAIN_H
#define PYFPM_SERVER_EXPLAIN_H

#include <stdio.h>

struct config;

/*
 * Runs `--explain URL [--server NAME] [--port N] [--https] [--param K=V]...`
 * (argv[0] is "--explain") against cfg: builds the params a front-end such
 * as nginx would send for URL, resolves the route, SCRIPT_NAME, PATH_INFO
 * and group as a worker would, and prints one `key: value` line each to out.
 * Returns the exit status: 0 when a route matched, 1 when none did, 2 on a
 * usage error (message on stderr).  Needs no Python; any thread.
 */
int	explain_main(const struct config *cfg, int argc, char *argv[],
	    FILE *out);

#endif
