/* Socket helpers: the `listen` and `allowed_clients` syntax, the peer filter
 * and the listening socket the master binds before it forks. */
#include "common/sock.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIX_PREFIX	"unix:"
#define UNIX_PREFIX_LEN	(sizeof(UNIX_PREFIX) - 1)

/* A port: 1 to 5 digits, 1-65535, nothing else. */
static int
parse_port(const char *s, in_port_t *port, const char **errstr)
{
	unsigned long	v = 0;
	const char	*p;

	if (*s == '\0') {
		*errstr = "missing port";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || p - s >= 5) {
			*errstr = "port must be a number from 1 to 65535";
			return -1;
		}
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535) {
		*errstr = "port must be a number from 1 to 65535";
		return -1;
	}
	*port = (in_port_t)v;
	return 0;
}

static int
parse_unix(const char *path, struct sock_addr *a, const char **errstr)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&a->ss;
	size_t			 len = strlen(path);

	if (path[0] != '/') {
		*errstr = "unix socket path must be absolute";
		return -1;
	}
	if (len >= sizeof(sun->sun_path) ||
	    len + UNIX_PREFIX_LEN >= sizeof(a->text)) {
		*errstr = "unix socket path is too long";
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	a->family = AF_UNIX;
	a->len = offsetof(struct sockaddr_un, sun_path) + len + 1;
	snprintf(a->text, sizeof(a->text), "%s%s", UNIX_PREFIX, path);
	return 0;
}

static int
parse_inet(const char *host, size_t hlen, bool bracketed, const char *port,
    struct sock_addr *a, const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a->ss;
	char			 h[INET6_ADDRSTRLEN], ntop[INET6_ADDRSTRLEN];
	in_port_t		 p;

	if (parse_port(port, &p, errstr) == -1)
		return -1;
	if (hlen >= sizeof(h)) {
		*errstr = "host must be a numeric address or localhost";
		return -1;
	}
	memcpy(h, host, hlen);
	h[hlen] = '\0';
	if (bracketed) {
		if (inet_pton(AF_INET6, h, &sin6->sin6_addr) != 1) {
			*errstr = "bad IPv6 address";
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		a->family = AF_INET6;
		a->len = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, ntop, sizeof(ntop));
		snprintf(a->text, sizeof(a->text), "[%s]:%u", ntop, p);
		return 0;
	}
	if (hlen == 0 || strcmp(h, "*") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(h, "localhost") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, h, &sin->sin_addr) != 1) {
		*errstr = strchr(h, ':') != NULL ?
		    "IPv6 addresses need brackets: [::1]:9000" :
		    "host must be a numeric address or localhost";
		return -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(p);
	a->family = AF_INET;
	a->len = sizeof(*sin);
	inet_ntop(AF_INET, &sin->sin_addr, ntop, sizeof(ntop));
	snprintf(a->text, sizeof(a->text), "%s:%u", ntop, p);
	return 0;
}

int
sock_parse_addr(const char *s, struct sock_addr *a, const char **errstr)
{
	const char	*colon, *rb;

	memset(a, 0, sizeof(*a));
	if (s == NULL || *s == '\0') {
		*errstr = "empty address";
		return -1;
	}
	if (strncmp(s, UNIX_PREFIX, UNIX_PREFIX_LEN) == 0)
		return parse_unix(s + UNIX_PREFIX_LEN, a, errstr);
	/* php-fpm habit: a bare absolute path is a unix socket. */
	if (s[0] == '/')
		return parse_unix(s, a, errstr);
	if (s[0] == '[') {
		if ((rb = strchr(s, ']')) == NULL || rb[1] != ':') {
			*errstr = "expected [IPv6]:port";
			return -1;
		}
		return parse_inet(s + 1, rb - s - 1, true, rb + 2, a, errstr);
	}
	if ((colon = strrchr(s, ':')) == NULL)	/* "9000" */
		return parse_inet(s, 0, false, s, a, errstr);
	return parse_inet(s, colon - s, false, colon + 1, a, errstr);
}

/* Clears the bits past the prefix so matching is a plain comparison. */
static void
mask_addr(unsigned char *addr, int alen, int bits)
{
	int	i;

	for (i = 0; i < alen; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			addr[i] &= (unsigned char)(0xff << (8 - bits));
			bits = 0;
		}
	}
}

int
sock_parse_cidr(const char *s, struct sock_cidr *c, const char **errstr)
{
	char		 h[INET6_ADDRSTRLEN];
	const char	*slash, *p;
	size_t		 hlen;
	int		 max, bits;

	memset(c, 0, sizeof(*c));
	if (s == NULL || *s == '\0') {
		*errstr = "empty address";
		return -1;
	}
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof(h)) {
		*errstr = "expected an IP address or CIDR";
		return -1;
	}
	memcpy(h, s, hlen);
	h[hlen] = '\0';
	if (inet_pton(AF_INET, h, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, h, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		*errstr = "expected an IP address or CIDR";
		return -1;
	}
	bits = max;
	if (slash != NULL) {
		p = slash + 1;
		if (*p == '\0' || strlen(p) > 3) {
			*errstr = "bad prefix length";
			return -1;
		}
		for (bits = 0; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p)) {
				*errstr = "bad prefix length";
				return -1;
			}
			bits = bits * 10 + (*p - '0');
		}
		if (bits > max) {
			*errstr = "prefix length too large";
			return -1;
		}
	}
	c->bits = bits;
	mask_addr(c->addr, max / 8, bits);
	return 0;
}

static bool
cidr_match(const struct sock_cidr *c, int family, const unsigned char *addr)
{
	unsigned char	a[16];
	int		alen;

	if (c->family != family)
		return false;
	alen = family == AF_INET ? 4 : 16;
	memcpy(a, addr, alen);
	mask_addr(a, alen, c->bits);
	return memcmp(a, c->addr, alen) == 0;
}

bool
sock_peer_allowed(const struct sockaddr *peer, const struct sock_cidr *cidrs,
    size_t n)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const unsigned char		*addr, *v4 = NULL;
	size_t				 i;

	if (n == 0 || peer->sa_family == AF_UNIX)
		return true;
	if (peer->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)peer;
		v4 = (const unsigned char *)&sin->sin_addr;
		addr = NULL;
	} else if (peer->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)peer;
		addr = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			v4 = addr + 12;
	} else
		return false;
	for (i = 0; i < n; i++) {
		if (v4 != NULL && cidr_match(&cidrs[i], AF_INET, v4))
			return true;
		if (addr != NULL && cidr_match(&cidrs[i], AF_INET6, addr))
			return true;
	}
	return false;
}

/* A user or group: a name, or a numeric id.  Master only: not reentrant. */
static int
resolve_id(const char *name, bool isgroup, id_t *id)
{
	struct passwd	*pw;
	struct group	*gr;
	char		*end;
	unsigned long	 v;

	if (isgroup) {
		if ((gr = getgrnam(name)) != NULL) {
			*id = gr->gr_gid;
			return 0;
		}
	} else if ((pw = getpwnam(name)) != NULL) {
		*id = pw->pw_uid;
		return 0;
	}
	errno = 0;
	v = strtoul(name, &end, 10);
	if (!isdigit((unsigned char)*name) || *end != '\0' || errno != 0 ||
	    v > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	*id = (id_t)v;
	return 0;
}

/*
 * Removes path if it is a socket nobody listens on.  A live socket means
 * another server owns it: fail with EADDRINUSE rather than steal it.  A file
 * that is not a socket is never removed.
 */
static int
unlink_stale(const struct sock_addr *a, const char **errstr)
{
	const struct sockaddr_un	*sun;
	struct stat			 st;
	int				 fd, r, saved;

	sun = (const struct sockaddr_un *)&a->ss;
	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		*errstr = "stat socket path";
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		*errstr = "socket path exists and is not a socket";
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*errstr = "socket";
		return -1;
	}
	do
		r = connect(fd, (const struct sockaddr *)&a->ss, a->len);
	while (r == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (r == 0) {
		*errstr = "socket path is in use by a running server";
		errno = EADDRINUSE;
		return -1;
	}
	if (saved != ECONNREFUSED) {
		*errstr = "connect to existing socket";
		errno = saved;
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		*errstr = "unlink stale socket";
		return -1;
	}
	return 0;
}

static int
set_perms(const char *path, int mode, const char *owner, const char *group,
    const char **errstr)
{
	id_t	uid = (id_t)-1, gid = (id_t)-1;

	if (mode >= 0 && chmod(path, (mode_t)mode) == -1) {
		*errstr = "chmod socket";
		return -1;
	}
	if (owner != NULL && resolve_id(owner, false, &uid) == -1) {
		*errstr = "unknown socket owner";
		return -1;
	}
	if (group != NULL && resolve_id(group, true, &gid) == -1) {
		*errstr = "unknown socket group";
		return -1;
	}
	if ((owner != NULL || group != NULL) &&
	    chown(path, (uid_t)uid, (gid_t)gid) == -1) {
		*errstr = "chown socket";
		return -1;
	}
	return 0;
}

int
sock_listen(const struct sock_addr *a, int backlog, int mode,
    const char *owner, const char *group, const char **errstr)
{
	const char	*path = NULL;
	int		 fd = -1, on = 1, saved;

	if (a->family == AF_UNIX) {
		path = ((const struct sockaddr_un *)&a->ss)->sun_path;
		if (unlink_stale(a, errstr) == -1)
			return -1;
	}
	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*errstr = "socket";
		return -1;
	}
	if (a->family != AF_UNIX &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) {
		*errstr = "setsockopt SO_REUSEADDR";
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		*errstr = "bind";
		path = NULL;	/* not ours: never unlink it */
		goto fail;
	}
	/* Permissions before listen(2): nobody can connect in between. */
	if (path != NULL &&
	    set_perms(path, mode, owner, group, errstr) == -1)
		goto fail;
	if (listen(fd, backlog) == -1) {
		*errstr = "listen";
		goto fail;
	}
	return fd;

fail:
	saved = errno;
	if (path != NULL)
		unlink(path);
	close(fd);
	errno = saved;
	return -1;
}
