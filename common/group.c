/* Application-group names, after mod_wsgi's wsgi_application_group(): a
 * token counts only when it is the whole value; anything else is literal. */
#include "common/group.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define ENV_PREFIX	"%{ENV:"
#define ENV_PREFIX_LEN	(sizeof(ENV_PREFIX) - 1)

/* Names already warned about; config templates bound them, the cap guards. */
#define WARNED_MAX	64

static pthread_mutex_t	 warned_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*warned[WARNED_MAX];
static size_t		 nwarned;

/* One request's lookups, passed down the expansion. */
struct group_req {
	group_lookup_fn	 param;
	void		*pctx;
	group_lookup_fn	 env;
	void		*ectx;
	const char	*script_name;
};

static const char *
req_param(const struct group_req *q, const char *name)
{
	return q->param != NULL ? q->param(q->pctx, name) : NULL;
}

enum group_kind
group_kind(const char *tmpl)
{
	size_t	len;

	if (tmpl == NULL || tmpl[0] != '%' || tmpl[1] != '{')
		return GROUP_LITERAL;
	if (strcmp(tmpl, "%{GLOBAL}") == 0)
		return GROUP_GLOBAL;
	if (strcmp(tmpl, "%{SERVER}") == 0)
		return GROUP_SERVER;
	if (strcmp(tmpl, "%{RESOURCE}") == 0)
		return GROUP_RESOURCE;
	if (strcmp(tmpl, "%{HOST}") == 0)
		return GROUP_HOST;
	/* As mod_wsgi: "%{ENV:" ... "}" with a non-empty name in between. */
	len = strlen(tmpl);
	if (strncmp(tmpl, ENV_PREFIX, ENV_PREFIX_LEN) == 0 &&
	    len > ENV_PREFIX_LEN + 1 && tmpl[len - 1] == '}')
		return GROUP_ENV;
	return GROUP_LITERAL;
}

bool
group_is_client_controlled(const char *tmpl)
{
	if (group_kind(tmpl) != GROUP_ENV)
		return false;
	return strncmp(tmpl + ENV_PREFIX_LEN, "HTTP_", 5) == 0;
}

/* A port suffix: none for absent, 80 and 443, as mod_wsgi and the SPEC say. */
static const char *
port_suffix(const char *port)
{
	const char	*p;
	unsigned long	 v;

	if (port == NULL || *port == '\0')
		return NULL;
	for (p = port; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return port;
	v = strtoul(port, NULL, 10);
	if (v == 80 || v == 443)
		return NULL;
	return port;
}

/* Joins name, ":" port (if any) and "|" tail (if any); caller frees. */
static char *
join(const char *name, size_t namelen, const char *port, const char *tail)
{
	size_t	 plen, tlen, len;
	char	*s, *w;

	plen = port != NULL ? strlen(port) + 1 : 0;
	tlen = tail != NULL ? strlen(tail) + 1 : 0;
	len = namelen + plen + tlen;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, name, namelen);
	w = s + namelen;
	if (port != NULL) {
		*w++ = ':';
		memcpy(w, port, plen - 1);
		w += plen - 1;
	}
	if (tail != NULL) {
		*w++ = '|';
		memcpy(w, tail, tlen - 1);
		w += tlen - 1;
	}
	*w = '\0';
	return s;
}

static const char *
server_name(const struct group_req *q)
{
	const char	*v;

	v = req_param(q, "SERVER_NAME");
	return v != NULL ? v : "";
}

/*
 * %{HOST}: the Host header as Apache's r->hostname has it: lower-cased, the
 * port and one trailing dot removed.  An IPv6 literal keeps its brackets so
 * the ":port" suffix stays unambiguous.
 */
static char *
expand_host(const struct group_req *q, const char *port)
{
	const char	*h, *end, *rb;
	size_t		 len, i;
	char		*s;

	h = req_param(q, "HTTP_HOST");
	if (h == NULL || *h == '\0') {
		h = server_name(q);
		return join(h, strlen(h), port, NULL);
	}
	if (h[0] == '[' && (rb = strchr(h, ']')) != NULL)
		end = rb + 1;
	else if ((end = strchr(h, ':')) == NULL)
		end = h + strlen(h);
	len = end - h;
	if (len > 1 && h[len - 1] == '.')
		len--;
	if ((s = join(h, len, port, NULL)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = tolower((unsigned char)s[i]);
	return s;
}

/* Logs a missing %{ENV:NAME} once per NAME per process, from any thread. */
static void
warn_missing(const char *name, size_t len)
{
	size_t	i;
	bool	seen = false;

	pthread_mutex_lock(&warned_lock);
	for (i = 0; i < nwarned && !seen; i++)
		if (strncmp(warned[i], name, len) == 0 &&
		    warned[i][len] == '\0')
			seen = true;
	/* A full set stays quiet rather than flood the log per request. */
	if (!seen && nwarned == WARNED_MAX)
		seen = true;
	else if (!seen && (warned[nwarned] = strndup(name, len)) != NULL)
		nwarned++;
	pthread_mutex_unlock(&warned_lock);
	if (!seen)
		log_warnx("%s: %%{ENV:%.*s} is set neither in the request "
		    "nor in the environment; using the literal name as the "
		    "group", __func__, (int)len, name);
}

static char	*expand(const char *, const struct group_req *, int);

static char *
expand_env(const char *tmpl, const struct group_req *q, int depth)
{
	char		 buf[128], *name = buf;
	const char	*v;
	size_t		 len;

	len = strlen(tmpl) - ENV_PREFIX_LEN - 1;
	if (len >= sizeof(buf) && (name = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(name, tmpl + ENV_PREFIX_LEN, len);
	name[len] = '\0';
	/* mod_wsgi: the request's notes and subprocess_env, then getenv(). */
	if ((v = req_param(q, name)) == NULL)
		v = q->env != NULL ? q->env(q->ectx, name) : getenv(name);
	if (v == NULL)
		warn_missing(name, len);
	if (name != buf)
		free(name);
	if (v == NULL)
		return strdup(tmpl);
	/* SetEnv APPLICATION_GROUP %{GLOBAL}: expand once more, not ENV. */
	if (depth == 0 && v[0] == '%' && v[1] == '{' &&
	    strncmp(v, ENV_PREFIX, ENV_PREFIX_LEN) != 0)
		return expand(v, q, 1);
	return strdup(v);
}

static char *
expand(const char *tmpl, const struct group_req *q, int depth)
{
	enum group_kind	 kind;
	const char	*port, *name;

	switch ((kind = group_kind(tmpl))) {
	case GROUP_GLOBAL:
		return strdup("");
	case GROUP_SERVER:
	case GROUP_RESOURCE:
		port = port_suffix(req_param(q, "SERVER_PORT"));
		name = server_name(q);
		return join(name, strlen(name), port, kind == GROUP_SERVER ?
		    NULL : q->script_name != NULL ? q->script_name : "");
	case GROUP_HOST:
		port = port_suffix(req_param(q, "SERVER_PORT"));
		return expand_host(q, port);
	case GROUP_ENV:
		return expand_env(tmpl, q, depth);
	case GROUP_LITERAL:
		break;
	}
	return strdup(tmpl);
}

char *
group_expand(const char *tmpl, group_lookup_fn param, void *pctx,
    group_lookup_fn env, void *ectx, const char *script_name)
{
	struct group_req	q = { param, pctx, env, ectx, script_name };

	/* As mod_wsgi: no template at all means the default, %{RESOURCE}. */
	if (tmpl == NULL)
		tmpl = "%{RESOURCE}";
	return expand(tmpl, &q, 0);
}
