/* One FastCGI request as the rest of the server sees it: C strings, a param
 * list and I/O callbacks.  No libfcgi and no Python types cross this line. */
#ifndef PYFPM_SERVER_REQUEST_H
#define PYFPM_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/route.h"

/* A request param: name and value are NUL-terminated, borrowed for the
 * request's lifetime. */
struct request_param {
	const char	*name;
	const char	*value;
	size_t		 name_len;
	size_t		 value_len;
};

struct request {
	/* Params, one per name (a repeated name: the last one wins). */
	const struct request_param	*params;
	size_t				 nparams;

	const char	*method;	/* REQUEST_METHOD, "GET" if absent */
	const char	*uri;		/* REQUEST_URI (else the path), for logs */
	long long	 content_length;	/* 0 when absent */

	struct route_match	 match;		/* route, SCRIPT_NAME, PATH_INFO, script */
	const char		*group;		/* expanded group name ("" = main) */

	/*
	 * Reads up to n body bytes into buf; blocks.  Returns the count, 0 at
	 * the end of the body (never past CONTENT_LENGTH), -1 when the client
	 * is gone.  Call without the GIL.
	 */
	ssize_t	(*read)(struct request *req, char *buf, size_t n);
	/* Queues n response bytes (headers included: CGI "Status:" block
	 * first); may block.  0, or -1 when the client is gone. */
	int	(*write)(struct request *req, const char *buf, size_t n);
	/* Pushes queued bytes to the front-end now.  0 or -1. */
	int	(*flush)(struct request *req);
	void	 *io;		/* the protocol layer's own state */

	/* Set by whoever answers, for the access log and the scoreboard. */
	int		 status;	/* HTTP status sent, 0 before headers */
	long long	 bytes_sent;	/* body bytes */
	bool		 aborted;	/* response cut short after headers */
};

struct config;
struct scoreboard;
struct scoreboard_thread;

/*
 * Serves one request on connection fd, which has data waiting.  Returns fd
 * when the front-end keeps the connection for a later request (the caller
 * watches it), or -1 when it was closed.  board is this worker's
 * generation (for the status page), sb the calling thread's slot; last
 * closes the connection after the answer even if the front-end keeps it
 * (the worker is stopping).
 */
int	request_serve(int fd, const struct config *cfg,
	    struct scoreboard *board, struct scoreboard_thread *sb, bool last);

/* Frees the calling thread's request memory; call as the thread exits. */
void	request_thread_exit(void);

/* Returns the value of param name, or NULL.  Borrowed from req. */
const char	*request_param(const struct request *req, const char *name);

#endif
