/*
 * One FastCGI connection's requests: the only code that sees libfcgi.
 *
 * The worker accepts connections itself (epoll, see worker.c) and hands each
 * readable connection here.  libfcgi's FCGX_Accept_r() only calls accept()
 * when the request has no connection, so we give it ours through ipcFd and a
 * listen socket of -1: when the peer has closed, libfcgi's retry finds no
 * listen socket and returns an error instead of blocking in accept().
 */
#include "server/request.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "common/group.h"
#include "common/log.h"
#include "common/route.h"
#include "common/scoreboard.h"
#include "config/config.h"
#include "server/python/interp.h"
#include "server/status.h"
#include "server/wsgi/wsgi.h"

/* Body bytes we are willing to read and discard so a kept connection can be
 * reused; past this the connection is closed instead. */
#define REQUEST_DRAIN_MAX	(1024 * 1024)

/* The protocol side of a request, behind req->io. */
struct request_io {
	FCGX_Request	 fcgx;
	long long	 remaining;	/* body bytes left, -1 = until EOF */
	bool		 body_done;	/* FCGI_STDIN read to its end */
	bool		 broken;	/* a write failed: client gone */
};

/* A thread's reusable memory for params. */
struct request_arena {
	struct request_param	*params;
	size_t			 cap;
};

static _Thread_local struct request_arena request_arena;

void
request_thread_exit(void)
{
	free(request_arena.params);
	request_arena.params = NULL;
	request_arena.cap = 0;
}

const char *
request_param(const struct request *req, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < req->nparams; i++)
		if (req->params[i].name_len == len &&
		    memcmp(req->params[i].name, name, len) == 0)
			return req->params[i].value;
	return NULL;
}

static const char *
lookup_param(void *ctx, const char *name)
{
	return request_param(ctx, name);
}

/* Splits libfcgi's "NAME=value" strings into req->params; a name sent twice
 * keeps its last value (php-fpm does the same). */
static int
parse_params(struct request *req, char **envp)
{
	struct request_arena	*a = &request_arena;
	struct request_param	*p;
	size_t			 n = 0, i, count;
	char			*eq;

	for (count = 0; envp[count] != NULL; count++)
		;
	if (count > a->cap) {
		p = realloc(a->params, count * sizeof(*p));
		if (p == NULL)
			return -1;
		a->params = p;
		a->cap = count;
	}
	for (; *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		p = &a->params[n];
		p->name = *envp;
		p->name_len = (size_t)(eq - *envp);
		p->value = eq + 1;
		p->value_len = strlen(eq + 1);
		for (i = 0; i < n; i++)
			if (a->params[i].name_len == p->name_len &&
			    memcmp(a->params[i].name, p->name, p->name_len) == 0)
				break;
		if (i < n)
			a->params[i] = *p;	/* repeated: the last one wins */
		else
			n++;
	}
	req->params = a->params;
	req->nparams = n;
	return 0;
}

static ssize_t
io_read(struct request *req, char *buf, size_t n)
{
	struct request_io	*io = req->io;
	int			 got;

	if (io->body_done || n == 0)
		return 0;
	if (io->remaining >= 0 && (long long)n > io->remaining)
		n = (size_t)io->remaining;
	if (n > (size_t)INT32_MAX)
		n = INT32_MAX;
	if (n == 0) {
		io->body_done = true;
		return 0;
	}
	got = FCGX_GetStr(buf, (int)n, io->fcgx.in);
	if (got < 0 || FCGX_GetError(io->fcgx.in) != 0)
		return -1;
	if (io->remaining >= 0)
		io->remaining -= got;
	if (got == 0 || io->remaining == 0)
		io->body_done = got == 0 || FCGX_HasSeenEOF(io->fcgx.in) ||
		    io->remaining == 0;
	if (got == 0 && io->remaining > 0)
		return -1;	/* the body ended before CONTENT_LENGTH */
	return got;
}

static int
io_write(struct request *req, const char *buf, size_t n)
{
	struct request_io	*io = req->io;
	int			 chunk;

	if (io->broken)
		return -1;
	while (n > 0) {
		chunk = n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
		if (FCGX_PutStr(buf, chunk, io->fcgx.out) != chunk) {
			io->broken = true;
			return -1;
		}
		buf += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

static int
io_flush(struct request *req)
{
	struct request_io	*io = req->io;

	if (io->broken || FCGX_FFlush(io->fcgx.out) == -1) {
		io->broken = true;
		return -1;
	}
	return 0;
}

static void	respond_plain(struct request *, int, const char *);

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 413: return "Content Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void
respond_error(struct request *req, int status)
{
	char	body[64];

	snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	respond_plain(req, status, body);
}

/* Answers with a body made here, not by an app. */
static void
respond_body(struct request *req, int status, const char *type,
    const char *body, size_t len)
{
	char	head[256];
	int	n;

	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n\r\n", status, reason(status), type, len);
	req->status = status;
	if (io_write(req, head, (size_t)n) == 0 &&
	    strcmp(req->method, "HEAD") != 0 &&
	    io_write(req, body, len) == 0)
		req->bytes_sent = (long long)len;
}

static void
respond_plain(struct request *req, int status, const char *body)
{
	respond_body(req, status, "text/plain; charset=utf-8", body,
	    strlen(body));
}

/* The status page: ?json (or ?format=json) for JSON, else text. */
static void
respond_status(struct request *req, struct scoreboard *board)
{
	const char	*q = request_param(req, "QUERY_STRING");
	bool		 json = q != NULL && strstr(q, "json") != NULL;
	size_t		 len;
	char		*body;

	if ((body = status_render(board, json, &len)) == NULL) {
		respond_error(req, 500);
		return;
	}
	respond_body(req, 200, json ? "application/json" :
	    "text/plain; charset=utf-8", body, len);
	free(body);
}


/* Reads what is left of FCGI_STDIN (at most REQUEST_DRAIN_MAX bytes), so
 * the connection can be closed at once or reused.  True when the body was
 * read to its end. */
static bool
drain_body(struct request *req)
{
	struct request_io	*io = req->io;
	char			 buf[16384];
	long long		 total = 0;
	int			 got;

	/* Not body_done: the app may have read CONTENT_LENGTH bytes while the
	 * empty record that ends FCGI_STDIN is still unread. */
	if (FCGX_HasSeenEOF(io->fcgx.in))
		return true;
	/* A body we refused (413) or that is too big to read for nothing:
	 * leave it, and let the lingering close deal with it. */
	if (io->remaining > REQUEST_DRAIN_MAX)
		return false;
	while (total < REQUEST_DRAIN_MAX) {
		got = FCGX_GetStr(buf, sizeof(buf), io->fcgx.in);
		if (got <= 0)
			return got == 0 && FCGX_GetError(io->fcgx.in) == 0;
		total += got;
	}
	return false;
}

/* Runs the request through its app, or answers it here.  Returns the
 * expanded group name (caller frees), or NULL when none was reached. */
static char *
dispatch(struct request *req, const struct config *cfg,
    struct scoreboard *board, struct scoreboard_thread *sb)
{
	struct interp	*in;
	const char	*cl;
	char		*path, *group;
	int		 status;

	if ((path = route_path(lookup_param, req)) == NULL) {
		respond_error(req, 400);
		return NULL;
	}
	if (cfg->ping_path != NULL && strcmp(path, cfg->ping_path) == 0) {
		respond_plain(req, 200, "pong\n");
		free(path);
		return NULL;
	}
	if (cfg->status_path != NULL && strcmp(path, cfg->status_path) == 0) {
		respond_status(req, board);
		free(path);
		return NULL;
	}
	status = route_resolve(cfg->routes, cfg->nroutes, path, &req->match);
	free(path);
	if (status != 0) {
		respond_error(req, status == 404 ? 404 : 500);
		return NULL;
	}
	if ((cl = request_param(req, "CONTENT_LENGTH")) != NULL && *cl != '\0') {
		req->content_length = strtoll(cl, NULL, 10);
		if (req->content_length < 0) {
			respond_error(req, 400);
			return NULL;
		}
		if (req->content_length > cfg->max_body) {
			respond_error(req, 413);
			return NULL;
		}
		((struct request_io *)req->io)->remaining = req->content_length;
	}
	group = group_expand(req->match.route->group, lookup_param, req,
	    NULL, NULL, req->match.script_name);
	if (group == NULL) {
		respond_error(req, 500);
		return NULL;
	}
	req->group = group;
	scoreboard_thread_busy(sb, group, req->uri);
	if ((in = interp_acquire(group, &status)) == NULL) {
		respond_error(req, status);
	} else {
		wsgi_call(req, in);
		interp_release(in);
	}
	return group;
}

static void
log_access_line(const struct request *req, const char *group, long long ms)
{
	log_access("%s %s %d %lld %lldms \"%s\" %ld", req->method, req->uri,
	    req->status, req->bytes_sent, ms, group, (long)getpid());
}

/* Hands libfcgi the connection and lets it read one request's params.
 * False when there was none (libfcgi closed fd). */
static bool
accept_request(struct request_io *io, int fd)
{
	FCGX_InitRequest(&io->fcgx, -1, 0);
	/* Ours, accepted by the worker.  keepConnection stops the
	 * FCGX_Finish_r() that FCGX_Accept_r() starts with from closing it;
	 * the BEGIN_REQUEST record then sets the front-end's real wish. */
	io->fcgx.ipcFd = fd;
	io->fcgx.keepConnection = 1;
	/* Detached while libfcgi reads the request: if the peer closed, timed
	 * out (SO_RCVTIMEO) or sent garbage, libfcgi closes the fd itself and
	 * should not linger 2 s waiting for the peer.  Attached again once
	 * a request is in, so unread input still gets the lingering close. */
	FCGX_Detach(&io->fcgx);
	if (FCGX_Accept_r(&io->fcgx) < 0)
		return false;
	FCGX_Attach(&io->fcgx);
	io->remaining = -1;	/* no CONTENT_LENGTH: read to the end */
	io->body_done = false;
	io->broken = false;
	return true;
}

/*
 * Ends the request.  Reads the rest of the body (for a GET, just the empty
 * FCGI_STDIN record nginx already sent).  Keeps the connection only if the
 * front-end asked, the worker is not stopping (last) and the body was read
 * to its end (else libfcgi would misread the next request).  Closes a
 * drained connection at once: libfcgi's lingering close would wait for the
 * peer to close first (a round trip per request).  One with unread input
 * keeps the lingering close, so the peer sees our answer (a 413, say)
 * before any reset.  Returns the fd if kept, else -1.
 */
static int
finish(struct request *req, const struct config *cfg, const char *group,
    long long t0, bool last)
{
	struct request_io	*io = req->io;
	bool			 drained;

	drained = !io->broken && drain_body(req);
	if (!drained || last || FCGX_GetError(io->fcgx.in) != 0)
		io->fcgx.keepConnection = 0;
	if (io->fcgx.keepConnection == 0 && drained)
		FCGX_Detach(&io->fcgx);
	/* Before FCGX_Finish_r(): method and uri point into libfcgi's params. */
	if (cfg->log_access)
		log_access_line(req, group != NULL ? group : "-",
		    scoreboard_now_ms() - t0);
	FCGX_Finish_r(&io->fcgx);
	return io->fcgx.ipcFd;
}

int
request_serve(int fd, const struct config *cfg, struct scoreboard *board,
    struct scoreboard_thread *sb, bool last)
{
	struct request_io	 io;
	struct request		 req;
	char			*group = NULL;
	long long		 t0;

	if (!accept_request(&io, fd))
		return -1;	/* peer closed or protocol error: fd closed */
	t0 = scoreboard_now_ms();
	memset(&req, 0, sizeof(req));
	req.io = &io;
	req.read = io_read;
	req.write = io_write;
	req.flush = io_flush;
	if (parse_params(&req, io.fcgx.envp) == -1) {
		req.method = "GET";
		req.uri = "";
		respond_error(&req, 500);
	} else {
		if ((req.method = request_param(&req, "REQUEST_METHOD")) == NULL)
			req.method = "GET";
		if ((req.uri = request_param(&req, "REQUEST_URI")) == NULL &&
		    (req.uri = request_param(&req, "DOCUMENT_URI")) == NULL)
			req.uri = "";
		group = dispatch(&req, cfg, board, sb);
	}
	route_match_clear(&req.match);
	scoreboard_thread_idle(sb);
	fd = finish(&req, cfg, group, t0, last);
	free(group);
	scoreboard_thread_done(sb);
	return fd;	/* >= 0: kept open for the next request */
}
