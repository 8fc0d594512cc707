/* Tests for common/sock.c: address and CIDR parsing from tables, the peer
 * filter, and real binds on 127.0.0.1 and on a unix socket. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sock.h"
#include "tests/unit/tests.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

static void
test_sock_parse_addr(void)
{
	static const struct {
		const char	*in;
		int		 family;	/* 0: refused */
		const char	*text;		/* or the error */
	} t[] = {
		{ "127.0.0.1:9000", AF_INET, "127.0.0.1:9000" },
		{ "0.0.0.0:80", AF_INET, "0.0.0.0:80" },
		{ "[::1]:9000", AF_INET6, "[::1]:9000" },
		{ "[::]:9000", AF_INET6, "[::]:9000" },
		{ "[0:0:0:0:0:0:0:1]:9000", AF_INET6, "[::1]:9000" },
		{ "[fe80::1]:65535", AF_INET6, "[fe80::1]:65535" },
		{ ":9000", AF_INET, "0.0.0.0:9000" },
		{ "9000", AF_INET, "0.0.0.0:9000" },
		{ "*:9000", AF_INET, "0.0.0.0:9000" },
		{ "localhost:9000", AF_INET, "127.0.0.1:9000" },
		{ "127.0.0.1:1", AF_INET, "127.0.0.1:1" },
		{ "127.0.0.1:09000", AF_INET, "127.0.0.1:9000" },
		{ "unix:/run/pyfpm.sock", AF_UNIX, "unix:/run/pyfpm.sock" },
		{ "/run/pyfpm.sock", AF_UNIX, "unix:/run/pyfpm.sock" },
		{ "", 0, "empty address" },
		{ "127.0.0.1", 0, "port must be a number from 1 to 65535" },
		{ "127.0.0.1:", 0, "missing port" },
		{ "127.0.0.1:0", 0, "port must be a number from 1 to 65535" },
		{ "127.0.0.1:65536", 0,
		    "port must be a number from 1 to 65535" },
		{ "127.0.0.1:123456", 0,
		    "port must be a number from 1 to 65535" },
		{ "127.0.0.1:-1", 0, "port must be a number from 1 to 65535" },
		{ "127.0.0.1:90a", 0, "port must be a number from 1 to 65535" },
		{ "127.0.0.1: 90", 0, "port must be a number from 1 to 65535" },
		{ "0", 0, "port must be a number from 1 to 65535" },
		{ "example.com:80", 0,
		    "host must be a numeric address or localhost" },
		{ "256.0.0.1:80", 0,
		    "host must be a numeric address or localhost" },
		{ "::1:9000", 0, "IPv6 addresses need brackets: [::1]:9000" },
		{ "[::1]", 0, "expected [IPv6]:port" },
		{ "[::1]9000", 0, "expected [IPv6]:port" },
		{ "[::1:9000", 0, "expected [IPv6]:port" },
		{ "[1.2.3.4]:80", 0, "bad IPv6 address" },
		{ "[::1]:0", 0, "port must be a number from 1 to 65535" },
		{ "unix:", 0, "unix socket path must be absolute" },
		{ "unix:run/pyfpm.sock", 0,
		    "unix socket path must be absolute" },
	};
	struct sock_addr	 a;
	const char		*err;
	size_t			 i;
	int			 rc;

	for (i = 0; i < N(t); i++) {
		err = NULL;
		rc = sock_parse_addr(t[i].in, &a, &err);
		if (t[i].family == 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_NOT_NULL_FATAL(err);
			if (strcmp(err, t[i].text) != 0)
				fprintf(stderr, "\n%s: \"%s\"\n", t[i].in, err);
			CU_ASSERT_STRING_EQUAL(err, t[i].text);
			continue;
		}
		if (rc != 0)
			fprintf(stderr, "\n%s: %s\n", t[i].in, err);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(a.family, t[i].family);
		CU_ASSERT_EQUAL(a.ss.ss_family, t[i].family);
		CU_ASSERT_STRING_EQUAL(a.text, t[i].text);
	}
	err = NULL;
	CU_ASSERT_EQUAL(sock_parse_addr(NULL, &a, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err);
}

static void
test_sock_parse_addr_fields(void)
{
	struct sock_addr	 a;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a.ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&a.ss;
	const char		*err;
	char			 longpath[200];

	CU_ASSERT_EQUAL_FATAL(sock_parse_addr("10.1.2.3:9001", &a, &err), 0);
	CU_ASSERT_EQUAL(a.len, sizeof(struct sockaddr_in));
	CU_ASSERT_EQUAL(ntohs(sin->sin_port), 9001);
	CU_ASSERT_EQUAL(ntohl(sin->sin_addr.s_addr), 0x0a010203);

	CU_ASSERT_EQUAL_FATAL(sock_parse_addr("[::1]:9002", &a, &err), 0);
	CU_ASSERT_EQUAL(a.len, sizeof(struct sockaddr_in6));
	CU_ASSERT_EQUAL(ntohs(sin6->sin6_port), 9002);
	CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));

	CU_ASSERT_EQUAL_FATAL(sock_parse_addr("unix:/run/x.sock", &a, &err),
	    0);
	CU_ASSERT_STRING_EQUAL(sun->sun_path, "/run/x.sock");
	CU_ASSERT(a.len > offsetof(struct sockaddr_un, sun_path));

	/* sun_path holds 108 bytes with its NUL. */
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[5 + 107] = '\0';
	CU_ASSERT_EQUAL(sock_parse_addr(longpath, &a, &err), 0);
	longpath[5 + 107] = 'a';
	longpath[5 + 108] = '\0';
	err = NULL;
	CU_ASSERT_EQUAL(sock_parse_addr(longpath, &a, &err), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(err, "unix socket path is too long");
}

static void
test_sock_parse_cidr(void)
{
	static const struct {
		const char	*in;
		int		 family;	/* 0: refused */
		int		 bits;
		const char	*addr;		/* masked, as inet_ntop */
	} t[] = {
		{ "10.0.0.1", AF_INET, 32, "10.0.0.1" },
		{ "10.0.0.0/8", AF_INET, 8, "10.0.0.0" },
		{ "10.1.2.3/8", AF_INET, 8, "10.0.0.0" },
		{ "192.168.1.77/28", AF_INET, 28, "192.168.1.64" },
		{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
		{ "127.0.0.1/32", AF_INET, 32, "127.0.0.1" },
		{ "::1", AF_INET6, 128, "::1" },
		{ "fd00::/8", AF_INET6, 8, "fd00::" },
		{ "fdff:1::5/8", AF_INET6, 8, "fd00::" },
		{ "::/0", AF_INET6, 0, "::" },
		{ "2001:db8::1/127", AF_INET6, 127, "2001:db8::" },
		{ "", 0, 0, NULL },
		{ "x", 0, 0, NULL },
		{ "localhost", 0, 0, NULL },
		{ "10.0.0.1/", 0, 0, NULL },
		{ "10.0.0.1/33", 0, 0, NULL },
		{ "10.0.0.1/-1", 0, 0, NULL },
		{ "10.0.0.1/8x", 0, 0, NULL },
		{ "10.0.0.1/0008", 0, 0, NULL },
		{ "/8", 0, 0, NULL },
		{ "::1/129", 0, 0, NULL },
		{ "10.0.0/8", 0, 0, NULL },
		{ "[::1]", 0, 0, NULL },
	};
	struct sock_cidr	 c;
	const char		*err;
	char			 buf[INET6_ADDRSTRLEN];
	size_t			 i;
	int			 rc;

	for (i = 0; i < N(t); i++) {
		err = NULL;
		rc = sock_parse_cidr(t[i].in, &c, &err);
		if (t[i].family == 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_NOT_NULL(err);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(c.family, t[i].family);
		CU_ASSERT_EQUAL(c.bits, t[i].bits);
		CU_ASSERT_PTR_NOT_NULL_FATAL(inet_ntop(c.family, c.addr, buf,
		    sizeof(buf)));
		CU_ASSERT_STRING_EQUAL(buf, t[i].addr);
	}
}

static void
peer_v4(struct sockaddr_storage *ss, const char *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

static void
peer_v6(struct sockaddr_storage *ss, const char *addr)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, addr, &sin6->sin6_addr);
}

static void
test_sock_peer_allowed(void)
{
	static const char *const list[] = {
		"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8",
	};
	static const struct {
		const char	*peer;
		bool		 want;
	} t[] = {
		{ "127.0.0.1", true },
		{ "127.0.0.2", false },
		{ "10.255.0.1", true },
		{ "11.0.0.1", false },
		{ "::1", true },
		{ "::2", false },
		{ "fd12::1", true },
		{ "fe80::1", false },
		{ "::ffff:127.0.0.1", true },
		{ "::ffff:10.1.1.1", true },
		{ "::ffff:192.168.0.1", false },
		{ "::127.0.0.1", false },
	};
	struct sock_cidr	 c[N(list)];
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	const char		*err;
	size_t			 i;

	for (i = 0; i < N(list); i++)
		CU_ASSERT_EQUAL_FATAL(sock_parse_cidr(list[i], &c[i], &err), 0);
	for (i = 0; i < N(t); i++) {
		if (strchr(t[i].peer, ':') != NULL)
			peer_v6(&ss, t[i].peer);
		else
			peer_v4(&ss, t[i].peer);
		if (sock_peer_allowed((struct sockaddr *)&ss, c, N(c)) !=
		    t[i].want)
			fprintf(stderr, "\n%s: want %d\n", t[i].peer,
			    t[i].want);
		CU_ASSERT_EQUAL(sock_peer_allowed((struct sockaddr *)&ss, c,
		    N(c)), t[i].want);
	}
	/* No list: everyone.  A unix peer: always. */
	peer_v4(&ss, "192.0.2.1");
	CU_ASSERT_TRUE(sock_peer_allowed((struct sockaddr *)&ss, NULL, 0));
	CU_ASSERT_FALSE(sock_peer_allowed((struct sockaddr *)&ss, c, N(c)));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CU_ASSERT_TRUE(sock_peer_allowed((struct sockaddr *)&sun, c, N(c)));
	/* 0.0.0.0/0 lets every v4 peer in, v4-mapped ones too. */
	CU_ASSERT_EQUAL_FATAL(sock_parse_cidr("0.0.0.0/0", &c[0], &err), 0);
	CU_ASSERT_TRUE(sock_peer_allowed((struct sockaddr *)&ss, c, 1));
	peer_v6(&ss, "::ffff:198.51.100.7");
	CU_ASSERT_TRUE(sock_peer_allowed((struct sockaddr *)&ss, c, 1));
	peer_v6(&ss, "2001:db8::1");
	CU_ASSERT_FALSE(sock_peer_allowed((struct sockaddr *)&ss, c, 1));
}

/* The properties sock_listen() promises for every socket. */
static void
check_listening(int fd)
{
	int		fl, on = 0;
	socklen_t	len = sizeof(on);

	fl = fcntl(fd, F_GETFL);
	CU_ASSERT(fl != -1 && (fl & O_NONBLOCK) != 0);
	fl = fcntl(fd, F_GETFD);
	CU_ASSERT(fl != -1 && (fl & FD_CLOEXEC) != 0);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len),
	    0);
	CU_ASSERT_EQUAL(on, 1);
}

static void
test_sock_listen_tcp(void)
{
	struct sock_addr	 a;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	const char		*err = NULL;
	int			 fd, c, on = 0;

	CU_ASSERT_EQUAL_FATAL(sock_parse_addr("127.0.0.1:9", &a, &err), 0);
	((struct sockaddr_in *)&a.ss)->sin_port = 0;	/* any free port */
	fd = sock_listen(&a, 16, -1, NULL, NULL, &err);
	if (fd == -1)
		fprintf(stderr, "\nsock_listen: %s: %s\n", err,
		    strerror(errno));
	CU_ASSERT_FATAL(fd != -1);
	check_listening(fd);
	len = sizeof(on);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &len),
	    0);
	CU_ASSERT_EQUAL(on, 1);
	len = sizeof(sin);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&sin, &len),
	    0);
	CU_ASSERT(ntohs(sin.sin_port) != 0);
	CU_ASSERT_EQUAL(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(c != -1);
	CU_ASSERT_EQUAL(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	close(c);

	/* The same port again, while it is held: bind fails, errno kept. */
	((struct sockaddr_in *)&a.ss)->sin_port = sin.sin_port;
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, -1, NULL, NULL, &err), -1);
	CU_ASSERT_EQUAL(errno, EADDRINUSE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(err, "bind");
	close(fd);
}

static char	unix_dir[64];
static char	unix_path[96];

static int
unix_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			c, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(c, (struct sockaddr *)&sun, sizeof(sun));
	close(c);
	return rc;
}

static void
test_sock_listen_unix(void)
{
	struct sock_addr	 a;
	struct stat		 st;
	struct passwd		*pw;
	struct group		*gr;
	char			 spec[160], uname[64], gname[64];
	const char		*err = NULL;
	int			 fd, fd2;

	snprintf(unix_dir, sizeof(unix_dir), "/tmp/pyfpm-test-sock-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(unix_dir));
	snprintf(unix_path, sizeof(unix_path), "%s/pyfpm.sock", unix_dir);
	snprintf(spec, sizeof(spec), "unix:%s", unix_path);
	CU_ASSERT_EQUAL_FATAL(sock_parse_addr(spec, &a, &err), 0);

	/* Our own user and group, by name: chown works unprivileged. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(pw = getpwuid(getuid()));
	snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gr = getgrgid(getgid()));
	snprintf(gname, sizeof(gname), "%s", gr->gr_name);

	fd = sock_listen(&a, 16, 0640, uname, gname, &err);
	if (fd == -1)
		fprintf(stderr, "\nsock_listen: %s: %s\n", err,
		    strerror(errno));
	CU_ASSERT_FATAL(fd != -1);
	check_listening(fd);
	CU_ASSERT_EQUAL_FATAL(lstat(unix_path, &st), 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(st.st_uid, getuid());
	CU_ASSERT_EQUAL(st.st_gid, getgid());
	CU_ASSERT_EQUAL(unix_connect(unix_path), 0);

	/* A live socket belongs to a running server: never stolen. */
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, -1, NULL, NULL, &err), -1);
	CU_ASSERT_EQUAL(errno, EADDRINUSE);
	CU_ASSERT_EQUAL(unix_connect(unix_path), 0);

	/* Once closed, the file is stale: removed and bound again. */
	close(fd);
	CU_ASSERT_EQUAL(lstat(unix_path, &st), 0);
	fd2 = sock_listen(&a, 16, 0600, NULL, NULL, &err);
	CU_ASSERT_FATAL(fd2 != -1);
	CU_ASSERT_EQUAL(lstat(unix_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(unix_connect(unix_path), 0);
	close(fd2);

	/* Numeric ids work too. */
	snprintf(uname, sizeof(uname), "%u", (unsigned)getuid());
	fd2 = sock_listen(&a, 16, -1, uname, NULL, &err);
	CU_ASSERT(fd2 != -1);
	if (fd2 != -1)
		close(fd2);

	/* An unknown owner fails and leaves no socket file behind. */
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, 0600, "no-such-user-pyfpm", NULL,
	    &err), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(err, "unknown socket owner");
	CU_ASSERT(lstat(unix_path, &st) == -1 && errno == ENOENT);
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, 0600, NULL, "no-such-group-pyfpm",
	    &err), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(err, "unknown socket group");
	CU_ASSERT(lstat(unix_path, &st) == -1 && errno == ENOENT);
	unlink(unix_path);
}

/* A regular file at the path is never removed. */
static void
test_sock_listen_unix_keeps_files(void)
{
	struct sock_addr	 a;
	struct stat		 st;
	char			 spec[160];
	const char		*err = NULL;
	int			 fd;

	CU_ASSERT_FATAL(unix_dir[0] != '\0');
	fd = open(unix_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(write(fd, "keep", 4), 4);
	close(fd);
	snprintf(spec, sizeof(spec), "unix:%s", unix_path);
	CU_ASSERT_EQUAL_FATAL(sock_parse_addr(spec, &a, &err), 0);
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, -1, NULL, NULL, &err), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_EQUAL(lstat(unix_path, &st), 0);
	CU_ASSERT(S_ISREG(st.st_mode) && st.st_size == 4);
	unlink(unix_path);

	/* A directory that does not exist: bind fails cleanly. */
	snprintf(spec, sizeof(spec), "unix:%s/no/such/dir.sock", unix_dir);
	CU_ASSERT_EQUAL_FATAL(sock_parse_addr(spec, &a, &err), 0);
	err = NULL;
	CU_ASSERT_EQUAL(sock_listen(&a, 16, -1, NULL, NULL, &err), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_EQUAL(rmdir(unix_dir), 0);
}

CU_TestInfo sock_tests[] = {
	{ "test_sock_parse_addr", test_sock_parse_addr },
	{ "test_sock_parse_addr_fields", test_sock_parse_addr_fields },
	{ "test_sock_parse_cidr", test_sock_parse_cidr },
	{ "test_sock_peer_allowed", test_sock_peer_allowed },
	{ "test_sock_listen_tcp", test_sock_listen_tcp },
	{ "test_sock_listen_unix", test_sock_listen_unix },
	{ "test_sock_listen_unix_keeps_files",
	    test_sock_listen_unix_keeps_files },
	CU_TEST_INFO_NULL
};
