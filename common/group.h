/* Application-group names: mod_wsgi's WSGIApplicationGroup expansion
 * (SPEC "Group names"), a pure function of the request and the process env. */
#ifndef PYFPM_COMMON_GROUP_H
#define PYFPM_COMMON_GROUP_H

#include <stdbool.h>

/* Looks a name up: the value, or NULL if absent. */
typedef const char *(*group_lookup_fn)(void *ctx, const char *name);

/* How a template expands; lets config and workers skip work per request. */
enum group_kind {
	GROUP_LITERAL,		/* taken as is */
	GROUP_GLOBAL,		/* %{GLOBAL}: "" */
	GROUP_SERVER,		/* %{SERVER} */
	GROUP_RESOURCE,		/* %{RESOURCE} */
	GROUP_HOST,		/* %{HOST} */
	GROUP_ENV		/* %{ENV:NAME} */
};

/* Classifies a template; a token counts only when it is the whole value. */
enum group_kind group_kind(const char *tmpl);

/* True for %{ENV:HTTP_...}, which lets clients choose the group. */
bool	group_is_client_controlled(const char *tmpl);

/*
 * Expands tmpl for one request.  param looks up request params (SERVER_NAME,
 * SERVER_PORT, HTTP_HOST, and NAME for %{ENV:NAME}); env looks up the
 * process environment (NULL means getenv); script_name is the SCRIPT_NAME the
 * app sees.  A missing %{ENV:NAME} yields the literal "%{ENV:NAME}" and a
 * warning logged once per NAME per process.  tmpl NULL means %{RESOURCE}.
 * %{HOST} keeps an IPv6 literal's brackets ("[::1]:8080").  Returns a string
 * the caller frees, or NULL when out of memory.  Thread-safe.
 */
char	*group_expand(const char *tmpl, group_lookup_fn param, void *pctx,
	    group_lookup_fn env, void *ectx, const char *script_name);

#endif
