/* Routes: which configured app a request path belongs to, and the
 * SCRIPT_NAME/PATH_INFO split the app sees (SPEC "A request's way through"). */
#ifndef PYFPM_COMMON_ROUTE_H
#define PYFPM_COMMON_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_DEFAULT_CALLABLE	"application"
#define ROUTE_DEFAULT_GROUP	"%{RESOURCE}"

/* One `routes:` entry; owned by struct config, read-only after loading. */
struct route {
	char	*prefix;	/* "/" or "/a/b": starts with '/', no trailing '/' */
	char	*script;	/* absolute path of the app file, or NULL */
	char	*scripts_dir;	/* absolute directory, no trailing '/', or NULL */
	char	*callable;	/* default ROUTE_DEFAULT_CALLABLE */
	char	*group;		/* group template, default ROUTE_DEFAULT_GROUP */
	bool	 preload;
	bool	 reload_on_change;
	int	 line;		/* 1-based position of the entry in the file */
	int	 col;
};

/* Looks up a request param by name: the value, or NULL if absent. */
typedef const char *(*route_lookup_fn)(void *ctx, const char *name);

/* What route_resolve() decided for one request. */
struct route_match {
	const struct route	*route;		/* borrowed from the table */
	char			*script_name;	/* caller frees: route_match_clear() */
	char			*path_info;	/* "" or "/..." */
	char			*script;	/* the file to load (scripts_dir: resolved) */
};

/*
 * Returns the request path in SPEC's order: SCRIPT_NAME + PATH_INFO when
 * either is non-empty; else DOCUMENT_URI; else REQUEST_URI without its query,
 * percent-decoded.  NULL when none gives a path starting with '/' or the
 * decoded path holds a NUL.  Caller frees.
 */
char	*route_path(route_lookup_fn lookup, void *ctx);

/*
 * Normalises a configured prefix in place ("/a/b/" -> "/a/b", "//a" -> "/a").
 * Returns 0, or -1 with *errstr set when it is not a valid prefix (empty, not
 * starting with '/', holding "." or ".." segments, '%', '?', '#' or controls).
 */
int	route_prefix_normalize(char *prefix, const char **errstr);

/*
 * Finds the longest prefix among routes[0..n) matching path at a '/'
 * boundary ("/foo" matches "/foo" and "/foo/x", never "/foobar"); runs of
 * '/' in path count as one.  NULL when none matches.  Borrowed.
 */
const struct route *route_find(const struct route *routes, size_t n,
	    const char *path);

/*
 * Finds the route for path and fills m: SCRIPT_NAME is the prefix ("" for
 * "/"), or prefix + "/NAME" for a scripts_dir route, PATH_INFO the rest.
 * For scripts_dir, NAME must be a plain file name (not empty, not starting
 * with '.', no '/', NUL or "..") of NAME.wsgi or NAME.py, a regular file in
 * scripts_dir (.wsgi first; a symlink counts only if it resolves to a file
 * directly in scripts_dir).  Returns 0, 404 when nothing applies, or -1 on
 * out of memory.
 * On success the caller calls route_match_clear().
 */
int	route_resolve(const struct route *routes, size_t n, const char *path,
	    struct route_match *m);

/* Frees what route_resolve() allocated in m; safe on a zeroed m. */
void	route_match_clear(struct route_match *m);

#endif
