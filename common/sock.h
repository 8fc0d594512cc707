/* Socket helpers: parse, bind and filter the `listen` address. */
#ifndef PYFPM_COMMON_SOCK_H
#define PYFPM_COMMON_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A parsed `listen` value. */
struct sock_addr {
	int			 family;	/* AF_INET, AF_INET6 or AF_UNIX */
	struct sockaddr_storage	 ss;		/* ready for bind(2) */
	socklen_t		 len;
	char			 text[128];	/* canonical form for logs */
};

/* One `allowed_clients` entry: an address with a prefix length (CIDR). */
struct sock_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	int		bits;
};

/*
 * Parses "host:port", "[v6]:port", ":port", "port" or "unix:/path" (host must
 * be a numeric address or "localhost"; port 1-65535; path absolute and
 * shorter than sun_path).  ":port", "port" and "*:port" mean 0.0.0.0; a bare
 * absolute "/path" is taken as "unix:/path" (php-fpm's habit).  Returns 0,
 * or -1 with *errstr set (static text).
 */
int	sock_parse_addr(const char *s, struct sock_addr *a, const char **errstr);

/* Parses "10.0.0.1", "10.0.0.0/8", "::1" or "fd00::/8". 0, or -1 + errstr. */
int	sock_parse_cidr(const char *s, struct sock_cidr *c, const char **errstr);

/* True if the peer address matches one of cidrs[0..n); n == 0 allows all;
 * AF_UNIX peers are always allowed; v4-mapped v6 peers match v4 entries. */
bool	sock_peer_allowed(const struct sockaddr *peer, const struct sock_cidr *cidrs,
	    size_t n);

/*
 * Creates, binds and listens: SO_REUSEADDR for TCP; for unix sockets removes
 * a stale socket file first (never a regular file; a socket something still
 * listens on fails with EADDRINUSE) and applies mode (-1 to keep the
 * umask's) and owner/group (names or numeric ids; NULL to keep) before
 * listen(2).  The fd is non-blocking and close-on-exec.  Returns the fd, or
 * -1 with errno set and *errstr naming the failing step.  Master only
 * (getpwnam is not thread-safe).
 */
int	sock_listen(const struct sock_addr *a, int backlog, int mode,
	    const char *owner, const char *group, const char **errstr);

#endif
