/* Internal to config/: the loader's state and the helpers its files share.
 * Nothing outside config/ includes this. */
#ifndef PYFPM_CONFIG_CONFIG_PRIV_H
#define PYFPM_CONFIG_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "config/config.h"

/* One problem, kept with its position so the list can be put in file
 * order at the end (some checks run after the whole file was read). */
struct config_msg {
	int	 line;		/* 1-based; 0: the file itself, sorts first */
	int	 col;
	size_t	 seq;		/* order of discovery, for ties */
	char	*text;		/* "FILE:LINE:COL: message" */
};

/* Where a route's parts were written, for the checks that need the whole
 * file first (env:, allow_client_groups, other routes). */
struct config_route_pos {
	yaml_mark_t	 map;
	yaml_mark_t	 prefix;
	yaml_mark_t	 script;
	yaml_mark_t	 scripts_dir;
	yaml_mark_t	 group;
	yaml_mark_t	 preload;
	bool		 has_prefix;	/* the key was there */
	bool		 prefix_ok;	/* r->prefix holds it, normalised */
	bool		 has_script;
	bool		 has_scripts_dir;
	bool		 has_group;
};

struct config_ctx {
	struct config		*cfg;
	const char		*name;		/* file name for messages */
	char			*basedir;	/* relative paths start here */
	yaml_document_t		*doc;
	yaml_mark_t		 top;		/* the top-level mapping */
	struct config_msg	*msgs;
	size_t			 nmsgs;
	size_t			 msgcap;
	struct config_route_pos	*rpos;		/* parallel to cfg->routes */
	bool			 routes_seen;	/* a routes: key was read */
	yaml_mark_t		 ping_mark;
	bool			 oom;
};

/* config_dups(): no earlier equal name. */
#define CONFIG_NO_DUP	((size_t)-1)

/* Called for each known key of a mapping; idx indexes the key table. */
typedef void (*config_key_fn)(struct config_ctx *, int idx, yaml_node_t *key,
    yaml_node_t *val, void *arg);

/* config_yaml.c: errors, typed scalars, mappings, paths. */
void	 config_error(struct config_ctx *, const yaml_mark_t *, const char *,
	    ...) __attribute__((format(printf, 3, 4)));
void	 config_error_file(struct config_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*config_strdup(struct config_ctx *, const char *);
yaml_node_t *config_node(struct config_ctx *, int);
bool	 config_is_null(const yaml_node_t *);
const char *config_describe(const yaml_node_t *, char *, size_t);
const char *config_quote(const char *, char *, size_t);
int	 config_get_int(struct config_ctx *, const char *, yaml_node_t *,
	    long long, long long, long long *);
int	 config_get_bool(struct config_ctx *, const char *, yaml_node_t *,
	    bool *);
int	 config_get_string(struct config_ctx *, const char *, yaml_node_t *,
	    bool, char **);
int	 config_get_path(struct config_ctx *, const char *, yaml_node_t *,
	    bool, char **);
int	 config_get_duration(struct config_ctx *, const char *, yaml_node_t *,
	    long long *);
int	 config_get_size(struct config_ctx *, const char *, yaml_node_t *,
	    long long *);
void	 config_mapping(struct config_ctx *, yaml_node_t *, const char *,
	    const char *const *, int, config_key_fn, void *);
char	*config_resolve(struct config_ctx *, const char *);
int	 config_dups(const char **, size_t, size_t *);
void	 config_finish_errors(struct config_ctx *);

/* config_keys.c: the top level, log:, python: and env:. */
void	 config_top(struct config_ctx *, yaml_node_t *);

/* config_route.c: the routes: list. */
void	 config_routes(struct config_ctx *, yaml_node_t *);
void	 config_routes_check(struct config_ctx *);

#endif
