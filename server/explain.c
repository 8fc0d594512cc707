/* `pyfpm --explain`: builds the params nginx (with `include fastcgi_params`)
 * would send for a URL and runs them through the same route and group code
 * a worker uses, so what it prints is what a request gets. */
#include "server/explain.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/group.h"
#include "common/route.h"
#include "config/config.h"

/* Request params; setting a name again replaces it (the last one wins). */
struct params {
	char	**name;
	char	**value;
	size_t	  n;
};

struct explain_args {
	const char	*url;
	const char	*server;
	const char	*port;
	bool		 https;
	const char	**extra;	/* "K=V", borrowed from argv */
	size_t		 nextra;
};

/* Sets name to value (its first vlen bytes, or all of it if vlen < 0). */
static int
params_set(struct params *p, const char *name, const char *value, int vlen)
{
	char	**nn, **nv, *v;
	size_t	  i;

	v = vlen < 0 ? strdup(value) : strndup(value, vlen);
	if (v == NULL)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->name[i], name) == 0) {
			free(p->value[i]);
			p->value[i] = v;
			return 0;
		}
	}
	if ((nn = realloc(p->name, (p->n + 1) * sizeof(*nn))) == NULL)
		goto fail;
	p->name = nn;
	if ((nv = realloc(p->value, (p->n + 1) * sizeof(*nv))) == NULL)
		goto fail;
	p->value = nv;
	if ((p->name[p->n] = strdup(name)) == NULL)
		goto fail;
	p->value[p->n++] = v;
	return 0;
fail:
	free(v);
	return -1;
}

static void
params_clear(struct params *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->name[i]);
		free(p->value[i]);
	}
	free(p->name);
	free(p->value);
	memset(p, 0, sizeof(*p));
}

static const char *
params_get(void *ctx, const char *name)
{
	struct params	*p = ctx;
	size_t		 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0)
			return p->value[i];
	return NULL;
}

/* The worker's view of its environment: `env:` entries, then the real one. */
static const char *
env_get(void *ctx, const char *name)
{
	const struct config	*cfg = ctx;
	size_t			 i;

	for (i = 0; cfg != NULL && i < cfg->nenv; i++)
		if (strcmp(cfg->env[i].name, name) == 0)
			return cfg->env[i].value;
	return getenv(name);
}

static int
usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "pyfpm: --explain: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: pyfpm --explain URL [--server NAME] "
	    "[--port N] [--https] [--param K=V]...\n");
	return 2;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * nginx's $uri from a raw path: percent-decoded, slashes merged, "." and
 * ".." resolved.  NULL (nginx answers 400) on a bad escape, %00 or a ".."
 * above the root.  Caller frees.
 */
static char *
nginx_uri(const char *raw, size_t len)
{
	char	*d, *s, *w, *seg, *end;
	size_t	 i, n = 0, slen;
	int	 hi, lo;

	if ((d = malloc(len + 1)) == NULL || (s = malloc(len + 2)) == NULL) {
		free(d);
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (raw[i] != '%')
			d[n++] = raw[i];
		else if (i + 2 < len && (hi = hexval(raw[i + 1])) >= 0 &&
		    (lo = hexval(raw[i + 2])) >= 0 && (hi | lo) != 0) {
			d[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			goto fail;
	}
	d[n] = '\0';
	w = s;
	for (seg = d; *seg != '\0'; seg = end) {
		seg += strspn(seg, "/");
		end = seg + strcspn(seg, "/");
		slen = end - seg;
		if (slen == 1 && seg[0] == '.')
			continue;
		if (slen == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w == s)
				goto fail;
			while (*--w != '/')
				;
			continue;
		}
		if (slen == 0)
			continue;
		*w++ = '/';
		memcpy(w, seg, slen);
		w += slen;
	}
	/* A path ending in '/', "/." or "/.." names a directory: keep '/'. */
	if (w == s || (n > 0 && (d[n - 1] == '/' ||
	    (d[n - 1] == '.' && (n == 1 || d[n - 2] == '/' ||
	    (d[n - 2] == '.' && (n == 2 || d[n - 3] == '/')))))))
		*w++ = '/';
	*w = '\0';
	free(d);
	return s;
fail:
	free(d);
	free(s);
	return NULL;
}

/* Matches "--name" or "--name=..." exactly. */
static bool
is_opt(const char *arg, const char *name)
{
	size_t	len = strlen(name);

	return strncmp(arg, name, len) == 0 &&
	    (arg[len] == '\0' || arg[len] == '=');
}

static int
parse_args(int argc, char *argv[], struct explain_args *a)
{
	const char	*opt, *val;
	int		 i;

	memset(a, 0, sizeof(*a));
	if ((a->extra = calloc(argc, sizeof(*a->extra))) == NULL)
		return usage("%s", "out of memory");
	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (opt[0] != '-') {
			if (a->url != NULL)
				return usage("more than one URL: %s", opt);
			a->url = opt;
			continue;
		}
		if (strcmp(opt, "--https") == 0) {
			a->https = true;
			continue;
		}
		if (!is_opt(opt, "--server") && !is_opt(opt, "--port") &&
		    !is_opt(opt, "--param"))
			return usage("unknown option %s", opt);
		if ((val = strchr(opt, '=')) != NULL)
			val++;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return usage("%s needs a value", opt);
		if (is_opt(opt, "--server"))
			a->server = val;
		else if (is_opt(opt, "--port"))
			a->port = val;
		else if (strchr(val, '=') == NULL || val[0] == '=')
			return usage("--param wants K=V, not %s", val);
		else
			a->extra[a->nextra++] = val;
	}
	if (a->url == NULL)
		return usage("%s", "missing URL");
	if (a->port != NULL && (a->port[0] == '\0' ||
	    strspn(a->port, "0123456789") != strlen(a->port) ||
	    strlen(a->port) > 5 || atoi(a->port) < 1 ||
	    atoi(a->port) > 65535))
		return usage("bad port %s", a->port);
	return 0;
}

/* The parts of the URL a front-end turns into params. */
struct url {
	bool		 https;
	const char	*auth;		/* "host[:port]", NULL: bare path */
	size_t		 authlen;
	char		 host[256];	/* lower-cased, without the port */
	char		 port[8];	/* "" when the URL has none */
	const char	*target;	/* path and query, up to any '#' */
	size_t		 targetlen;
};

static int
parse_url(const char *s, struct url *u)
{
	const char	*hend, *port = NULL;
	size_t		 hlen, plen = 0, i;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "http://", 7) == 0)
		u->auth = s + 7;
	else if (strncmp(s, "https://", 8) == 0) {
		u->auth = s + 8;
		u->https = true;
	} else if (s[0] != '/')
		return usage("URL must be http://..., https://... or /path: "
		    "%s", s);
	u->target = s;
	if (u->auth != NULL) {
		u->target = u->auth + strcspn(u->auth, "/?#");
		u->authlen = u->target - u->auth;
		hend = u->target;
		if (u->auth[0] != '[')
			hend = memchr(u->auth, ':', u->authlen);
		else if ((hend = memchr(u->auth, ']', u->authlen)) != NULL)
			hend++;
		else
			return usage("bad host in %s", s);
		if (hend == NULL)
			hend = u->target;
		if (hend < u->target) {
			if (*hend != ':')
				return usage("bad host in %s", s);
			port = hend + 1;
			plen = u->target - port;
		}
		hlen = hend - u->auth;
		if (hlen == 0 || hlen >= sizeof(u->host) || (port != NULL &&
		    (plen == 0 || plen >= sizeof(u->port) ||
		    strspn(port, "0123456789") < plen ||
		    atoi(port) < 1 || atoi(port) > 65535)))
			return usage("bad host or port in %s", s);
		for (i = 0; i < hlen; i++)
			u->host[i] = tolower((unsigned char)u->auth[i]);
		if (port != NULL)
			snprintf(u->port, sizeof(u->port), "%d", atoi(port));
	}
	u->targetlen = strcspn(u->target, "#");
	return 0;
}

/* The params nginx's fastcgi_params would carry for this request. */
static int
set_params(const struct explain_args *a, const struct url *u,
    const char *uri, struct params *p)
{
	const char	*name, *port, *dflt, *q;
	char		 host[300];
	bool		 https = u->https || a->https;
	int		 r = 0;

	name = a->server != NULL ? a->server :
	    u->auth != NULL ? u->host : "localhost";
	dflt = https ? "443" : "80";
	port = a->port != NULL ? a->port : u->port[0] != '\0' ? u->port : dflt;
	if (u->auth != NULL)
		snprintf(host, sizeof(host), "%.*s", (int)u->authlen, u->auth);
	else
		snprintf(host, sizeof(host), "%s%s%s", name,
		    strcmp(port, dflt) != 0 ? ":" : "",
		    strcmp(port, dflt) != 0 ? port : "");
	q = memchr(u->target, '?', u->targetlen);
	r |= params_set(p, "GATEWAY_INTERFACE", "CGI/1.1", -1);
	r |= params_set(p, "SERVER_SOFTWARE", "pyfpm-explain", -1);
	r |= params_set(p, "REQUEST_METHOD", "GET", -1);
	r |= params_set(p, "SERVER_PROTOCOL", "HTTP/1.1", -1);
	r |= params_set(p, "REQUEST_SCHEME", https ? "https" : "http", -1);
	r |= params_set(p, "SERVER_NAME", name, -1);
	r |= params_set(p, "SERVER_PORT", port, -1);
	r |= params_set(p, "HTTP_HOST", host, -1);
	if (u->targetlen == 0 || u->target[0] != '/')
		r |= params_set(p, "REQUEST_URI", "/", -1);
	else
		r |= params_set(p, "REQUEST_URI", u->target, u->targetlen);
	r |= params_set(p, "QUERY_STRING", q != NULL ? q + 1 : "",
	    q != NULL ? (int)(u->target + u->targetlen - q - 1) : -1);
	r |= params_set(p, "DOCUMENT_URI", uri, -1);
	r |= params_set(p, "SCRIPT_NAME", uri, -1);
	if (https)
		r |= params_set(p, "HTTPS", "on", -1);
	return r != 0 ? -1 : 0;
}

static int
build_params(const struct explain_args *a, struct params *p)
{
	struct url	 u;
	const char	*eq;
	char		*uri, *name;
	size_t		 i;
	int		 rc;

	if (parse_url(a->url, &u) != 0)
		return 2;
	uri = nginx_uri(u.target, strcspn(u.target, "?#"));
	if (uri == NULL)
		return usage("invalid path (nginx would answer 400): %s",
		    a->url);
	rc = set_params(a, &u, uri, p);
	free(uri);
	for (i = 0; rc == 0 && i < a->nextra; i++) {
		eq = strchr(a->extra[i], '=');
		if ((name = strndup(a->extra[i], eq - a->extra[i])) == NULL)
			rc = -1;
		else
			rc = params_set(p, name, eq + 1, -1);
		free(name);
	}
	if (rc != 0)
		return usage("%s", "out of memory");
	return 0;
}

/* Prints a group name in double quotes, escaping '"', '\' and controls. */
static void
print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputs("\"\n", out);
}

static int
explain_print(const struct config *cfg, struct params *p, FILE *out)
{
	const struct route	*r;
	struct route_match	 m;
	char			*path, *group;
	int			 rc;

	path = route_path(params_get, p);
	if (path == NULL || (r = route_find(cfg->routes, cfg->nroutes,
	    path)) == NULL) {
		free(path);
		fprintf(out, "route: none (404)\n");
		return 1;
	}
	fprintf(out, "route: %s\n", r->prefix);
	rc = route_resolve(cfg->routes, cfg->nroutes, path, &m);
	free(path);
	if (rc == -1) {
		fprintf(stderr, "pyfpm: --explain: out of memory\n");
		return 2;
	}
	if (rc != 0) {
		fprintf(out, "script: none (404: no such script in %s)\n",
		    r->scripts_dir != NULL ? r->scripts_dir : r->prefix);
		return 1;
	}
	group = group_expand(r->group != NULL ? r->group : ROUTE_DEFAULT_GROUP,
	    params_get, p, env_get, (void *)cfg, m.script_name);
	if (group == NULL) {
		route_match_clear(&m);
		fprintf(stderr, "pyfpm: --explain: out of memory\n");
		return 2;
	}
	fprintf(out, "script: %s\n", m.script != NULL ? m.script :
	    "(built-in demo app)");
	fprintf(out, "callable: %s\n", r->callable != NULL ? r->callable :
	    ROUTE_DEFAULT_CALLABLE);
	fprintf(out, "script_name: %s\n", m.script_name);
	fprintf(out, "path_info: %s\n", m.path_info);
	fprintf(out, "group: ");
	print_quoted(out, group);
	fprintf(out, "gil: %s\n", group[0] == '\0' ? "main" :
	    cfg->own_gil ? "own" : "shared");
	free(group);
	route_match_clear(&m);
	return 0;
}

int
explain_main(const struct config *cfg, int argc, char *argv[], FILE *out)
{
	struct explain_args	 a;
	struct params		 p;
	int			 rc;

	memset(&p, 0, sizeof(p));
	if ((rc = parse_args(argc, argv, &a)) == 0 &&
	    (rc = build_params(&a, &p)) == 0)
		rc = explain_print(cfg, &p, out);
	params_clear(&p);
	free(a.extra);
	return rc;
}
