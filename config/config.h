/* The configuration: YAML (libyaml) to one typed, read-only struct config. */
#ifndef PYFPM_CONFIG_CONFIG_H
#define PYFPM_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/log.h"
#include "common/route.h"
#include "common/sock.h"

#define CONFIG_DEFAULT_LISTEN		"127.0.0.1:9000"
#define CONFIG_DEFAULT_BACKLOG		511
#define CONFIG_DEFAULT_PROCESSES	2
#define CONFIG_DEFAULT_THREADS		4
#define CONFIG_DEFAULT_REQUEST_TIMEOUT	(60 * 1000LL)
#define CONFIG_DEFAULT_GRACEFUL_TIMEOUT	(30 * 1000LL)
#define CONFIG_DEFAULT_MAX_BODY		(100LL * 1024 * 1024)
#define CONFIG_DEFAULT_MAX_INTERPRETERS	32

/* One `env:` entry. */
struct config_env {
	char	*name;
	char	*value;
};

struct config {
	char			*file;		/* path loaded, or "<built-in>" */

	char			*listen;	/* as written */
	struct sock_addr	 listen_addr;	/* parsed */
	int			 socket_mode;	/* -1 when not set */
	char			*socket_owner;	/* NULL when not set */
	char			*socket_group;
	struct sock_cidr	*allowed_clients;
	size_t			 nallowed_clients;	/* 0: everyone */
	int			 backlog;

	int			 processes;	/* 1..1024 */
	int			 threads;	/* 1..1024 */
	long long		 max_requests;	/* 0 = never recycle */
	long long		 request_timeout_ms;	/* 0 = no limit */
	long long		 graceful_timeout_ms;
	long long		 max_body;	/* bytes */
	int			 max_interpreters;	/* 0..10000 */

	char			*user;		/* NULL: do not switch */
	char			*group;
	char			*pid_file;	/* NULL: none */
	char			*status_path;	/* NULL: disabled */
	char			*ping_path;	/* NULL: disabled */

	enum log_level		 log_level;
	char			*log_file;	/* "-" = stderr */
	bool			 log_access;

	char			*python_home;	/* NULL: the built-in prefix */
	char			**python_path;
	size_t			 npython_path;
	bool			 own_gil;

	struct config_env	*env;
	size_t			 nenv;

	bool			 allow_client_groups;

	struct route		*routes;	/* in file order */
	size_t			 nroutes;

	/* Problems found, each "FILE:LINE:COL: message", in file order. */
	char			**errors;
	size_t			 nerrors;
};

/*
 * Loads and validates a YAML file.  Returns a config (caller frees with
 * config_free()) whose errors/nerrors list every problem found; it is usable
 * only when nerrors == 0.  NULL only when out of memory.
 */
struct config	*config_load(const char *path);

/* As config_load(), from a buffer; name is used in messages.  Caller frees. */
struct config	*config_load_buffer(const char *name, const char *buf, size_t len);

/* The built-in default: CONFIG_DEFAULT_LISTEN and one route "/" running the
 * demo app (script NULL, scripts_dir NULL).  Caller frees. */
struct config	*config_default(void);

/* Frees a config and everything it owns; NULL does nothing. */
void		 config_free(struct config *cfg);

#endif
