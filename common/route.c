/* Routes: the request path (SPEC "A request's way through", step 1), the
 * longest prefix at '/' boundaries (step 2) and the SCRIPT_NAME/PATH_INFO
 * split the app sees (step 3). */
#include "common/route.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
route_prefix_normalize(char *prefix, const char **errstr)
{
	const unsigned char	*r;
	char			*w;

	if (prefix == NULL || prefix[0] == '\0') {
		*errstr = "empty route prefix";
		return -1;
	}
	if (prefix[0] != '/') {
		*errstr = "route prefix must start with '/'";
		return -1;
	}
	for (r = (const unsigned char *)prefix; *r != '\0'; r++) {
		if (*r == '%' || *r == '?' || *r == '#') {
			*errstr = "route prefix is a decoded path: no '%', '?' "
			    "or '#'";
			return -1;
		}
		if (*r < 0x20 || *r == 0x7f) {
			*errstr = "route prefix holds a control character";
			return -1;
		}
	}
	/* Refuse "." and ".." segments before touching the caller's text. */
	for (r = (const unsigned char *)prefix; *r != '\0'; r++) {
		if (*r != '.' || r[-1] != '/')
			continue;
		if (r[1] == '/' || r[1] == '\0' ||
		    (r[1] == '.' && (r[2] == '/' || r[2] == '\0'))) {
			*errstr = "route prefix holds a \".\" or \"..\" "
			    "segment";
			return -1;
		}
	}
	/* Collapse runs of '/'. */
	w = prefix;
	r = (const unsigned char *)prefix;
	while (*r != '\0') {
		while (*r == '/')
			r++;
		*w++ = '/';
		while (*r != '\0' && *r != '/')
			*w++ = *r++;
	}
	/* Drop the trailing '/' the loop leaves for "/a/" (not the root's). */
	if (w - prefix > 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* REQUEST_URI's path, percent-decoded; NULL on a bad escape or %00. */
static char *
decode_uri_path(const char *uri)
{
	size_t	 len;
	char	*s, *w;
	int	 hi, lo;

	len = strcspn(uri, "?#");
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	for (w = s; len > 0; uri++, len--) {
		if (*uri != '%') {
			*w++ = *uri;
			continue;
		}
		if (len < 3 || (hi = hexval(uri[1])) == -1 ||
		    (lo = hexval(uri[2])) == -1 || (hi == 0 && lo == 0)) {
			free(s);
			errno = EINVAL;
			return NULL;
		}
		*w++ = (char)(hi << 4 | lo);
		uri += 2;
		len -= 2;
	}
	*w = '\0';
	if (s[0] != '/') {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

static char *
concat(const char *a, const char *b)
{
	size_t	 alen = strlen(a), blen = strlen(b);
	char	*s;

	if ((s = malloc(alen + blen + 1)) == NULL)
		return NULL;
	memcpy(s, a, alen);
	memcpy(s + alen, b, blen + 1);
	return s;
}

char *
route_path(route_lookup_fn lookup, void *ctx)
{
	const char	*sn, *pi, *v;

	sn = lookup(ctx, "SCRIPT_NAME");
	pi = lookup(ctx, "PATH_INFO");
	if (sn == NULL)
		sn = "";
	if (pi == NULL)
		pi = "";
	if (*sn == '/' || (*sn == '\0' && *pi == '/'))
		return concat(sn, pi);
	if ((v = lookup(ctx, "DOCUMENT_URI")) != NULL && *v == '/')
		return strdup(v);
	if ((v = lookup(ctx, "REQUEST_URI")) != NULL && *v == '/')
		return decode_uri_path(v);
	errno = EINVAL;
	return NULL;
}

/*
 * Matches prefix against path at '/' boundaries, runs of '/' counting as
 * one on both sides.  Returns where the rest of path starts (at '/' or the
 * end), or NULL.  "/" matches any path and leaves all of it.
 */
static const char *
prefix_match(const char *prefix, const char *path)
{
	const char	*p = path, *q = prefix;

	if (*p != '/' || *q != '/')
		return NULL;
	if (q[strspn(q, "/")] == '\0')
		return path;
	while (*q != '\0') {
		if (*q == '/') {
			if (*p != '/')
				return NULL;
			q += strspn(q, "/");
			p += strspn(p, "/");
			continue;
		}
		if (*p != *q)
			return NULL;
		p++;
		q++;
	}
	return *p == '\0' || *p == '/' ? p : NULL;
}

const struct route *
route_find(const struct route *routes, size_t n, const char *path)
{
	const struct route	*best = NULL;
	size_t			 i, len, bestlen = 0;

	if (path == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (routes[i].prefix == NULL ||
		    prefix_match(routes[i].prefix, path) == NULL)
			continue;
		len = strlen(routes[i].prefix);
		if (best == NULL || len > bestlen) {
			best = &routes[i];
			bestlen = len;
		}
	}
	return best;
}

/* A scripts_dir NAME must stay one plain file name inside the directory. */
static int
name_ok(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == '\0' || name[i] == '/' ||
		    (name[i] == '.' && i + 1 < len && name[i + 1] == '.'))
			return 0;
	return 1;
}

/*
 * True if file, a candidate inside dir, is a regular file that stays in
 * dir.  lstat(2) first: the common case costs one syscall; a symlink is
 * followed only when its target resolves inside dir.
 */
static int
file_in_dir(const char *dir, const char *file)
{
	struct stat	 st;
	char		*rdir = NULL, *rfile = NULL;
	size_t		 dlen;
	int		 ok = 0;

	if (lstat(file, &st) == -1)
		return 0;
	if (S_ISREG(st.st_mode))
		return 1;
	if (!S_ISLNK(st.st_mode))
		return 0;
	if ((rdir = realpath(dir, NULL)) == NULL ||
	    (rfile = realpath(file, NULL)) == NULL)
		goto done;
	dlen = strlen(rdir);
	if (strncmp(rfile, rdir, dlen) == 0 && rfile[dlen] == '/' &&
	    strchr(rfile + dlen + 1, '/') == NULL &&
	    stat(rfile, &st) == 0 && S_ISREG(st.st_mode))
		ok = 1;
done:
	free(rfile);
	free(rdir);
	return ok;
}

/* Fills m for a scripts_dir route; rest is the path after the prefix. */
static int
resolve_dir(const struct route *r, const char *rest, struct route_match *m)
{
	static const char *const exts[] = { ".wsgi", ".py" };
	const char	*name, *prefix;
	size_t		 nlen, dlen, plen, i;
	char		*file;

	name = rest + strspn(rest, "/");
	nlen = strcspn(name, "/");
	if (!name_ok(name, nlen))
		return 404;
	dlen = strlen(r->scripts_dir);
	if ((file = malloc(dlen + 1 + nlen + sizeof(".wsgi"))) == NULL)
		return -1;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(file, dlen + 1 + nlen + sizeof(".wsgi"), "%s/%.*s%s",
		    r->scripts_dir, (int)nlen, name, exts[i]);
		if (file_in_dir(r->scripts_dir, file))
			break;
	}
	if (i == sizeof(exts) / sizeof(exts[0])) {
		free(file);
		return 404;
	}
	prefix = strcmp(r->prefix, "/") == 0 ? "" : r->prefix;
	plen = strlen(prefix);
	m->script = file;
	if ((m->script_name = malloc(plen + 1 + nlen + 1)) == NULL ||
	    (m->path_info = strdup(name + nlen)) == NULL)
		return -1;
	snprintf(m->script_name, plen + 1 + nlen + 1, "%s/%.*s", prefix,
	    (int)nlen, name);
	return 0;
}

int
route_resolve(const struct route *routes, size_t n, const char *path,
    struct route_match *m)
{
	const struct route	*r;
	const char		*rest;
	int			 rc;

	memset(m, 0, sizeof(*m));
	if ((r = route_find(routes, n, path)) == NULL)
		return 404;
	rest = prefix_match(r->prefix, path);
	m->route = r;
	if (r->scripts_dir != NULL)
		rc = resolve_dir(r, rest, m);
	else {
		rc = -1;
		m->script_name = strdup(strcmp(r->prefix, "/") == 0 ?
		    "" : r->prefix);
		m->path_info = strdup(rest);
		if (m->script_name != NULL && m->path_info != NULL &&
		    (r->script == NULL ||
		    (m->script = strdup(r->script)) != NULL))
			rc = 0;
	}
	if (rc != 0) {
		route_match_clear(m);
		errno = rc == -1 ? ENOMEM : ENOENT;
	}
	return rc;
}

void
route_match_clear(struct route_match *m)
{
	free(m->script_name);
	free(m->path_info);
	free(m->script);
	memset(m, 0, sizeof(*m));
}
