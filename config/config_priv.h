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

/*
 * config_yaml.c: errors, typed scalars, mappings, paths.  All run in the
 * loading thread only; allocation failures set ctx->oom.
 */

/* Records "FILE:LINE:COL: message" at a libyaml (0-based) mark. */
void	 config_error(struct config_ctx *, const yaml_mark_t *, const char *,
	    ...) __attribute__((format(printf, 3, 4)));
/* Records "FILE: message" for the file as a whole (unreadable). */
void	 config_error_file(struct config_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Moves the messages, sorted into file order, to cfg->errors. */
void	 config_finish_errors(struct config_ctx *);
/* strdup() that sets ctx->oom on failure.  Caller frees. */
char	*config_strdup(struct config_ctx *, const char *);
/* The document's node at a 1-based index, or NULL.  Borrowed. */
yaml_node_t *config_node(struct config_ctx *, int);
/* True for YAML's null: empty plain scalar, "~", "null". */
bool	 config_is_null(const yaml_node_t *);
/* "a list", "a mapping", "null" or the quoted scalar; in buf or static. */
const char *config_describe(const yaml_node_t *, char *, size_t);
/* s double-quoted, escaped and shortened into buf; returns buf. */
const char *config_quote(const char *, char *, size_t);

/*
 * Typed values.  what names the key in messages ("log.level").  Each
 * returns 0, or -1 after recording an error and leaving *out alone.
 * Strings and paths replace *out (caller's, freed by config_free());
 * nullable ones set it to NULL for a YAML null.  Paths come out absolute,
 * against the config file's directory.
 */
int	 config_get_int(struct config_ctx *, const char *what, yaml_node_t *,
	    long long min, long long max, long long *out);
int	 config_get_bool(struct config_ctx *, const char *what, yaml_node_t *,
	    bool *out);
int	 config_get_string(struct config_ctx *, const char *what,
	    yaml_node_t *, bool nullable, char **out);
int	 config_get_path(struct config_ctx *, const char *what, yaml_node_t *,
	    bool nullable, char **out);
int	 config_get_duration(struct config_ctx *, const char *what,
	    yaml_node_t *, long long *ms);
int	 config_get_size(struct config_ctx *, const char *what, yaml_node_t *,
	    long long *bytes);

/* Walks a mapping against a key table (at most 32 keys), calling fn per
 * known key; reports unknown (with a suggestion), duplicate and non-scalar
 * keys.  section names the mapping in messages, NULL at the top. */
void	 config_mapping(struct config_ctx *, yaml_node_t *,
	    const char *section, const char *const *keys, int nkeys,
	    config_key_fn fn, void *arg);
/* p made absolute against ctx->basedir, "//" and "/./" removed.  Caller
 * frees; NULL when out of memory. */
char	*config_resolve(struct config_ctx *, const char *p);
/* first[i] = index of the first earlier name equal to names[i], else
 * CONFIG_NO_DUP; NULL names are skipped.  0, or -1 when out of memory. */
int	 config_dups(const char **names, size_t n, size_t *first);

/* config_keys.c: reads the top level, log:, python: and env:. */
void	 config_top(struct config_ctx *, yaml_node_t *root);

/* config_route.c: reads the routes: list; then, once the whole file is
 * read, checks what needs all of it (duplicates, env:, client groups,
 * preload). */
void	 config_routes(struct config_ctx *, yaml_node_t *);
void	 config_routes_check(struct config_ctx *);

#endif
