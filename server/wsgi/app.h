/* App loading: each script file once per interpreter, keyed by its path,
 * as mod_wsgi does; optionally re-imported when the file changes. */
#ifndef PYFPM_SERVER_WSGI_APP_H
#define PYFPM_SERVER_WSGI_APP_H

#include <Python.h>	/* the including .c defined PY_SSIZE_T_CLEAN first */

#include "common/route.h"
#include "server/request.h"
#include "server/wsgi/state.h"

/*
 * Returns the WSGI callable for req (GIL held): route->callable of the
 * script req->match.script, loaded on first use in this interpreter (and
 * again when reload_on_change sees the file change), or the demo app when
 * there is no script.  New reference, or NULL with the reason logged
 * (group, URI, file and callable) and no exception set.
 */
PyObject	*wsgi_app_get(struct wsgi_state *st, const struct request *req);

/* Loads route->script into st's interpreter now (GIL held), for preload.
 * 0, or -1 with the reason logged. */
int		 wsgi_app_preload(struct wsgi_state *st,
		    const struct route *route);

/* Forgets every loaded script (GIL held), as the interpreter ends. */
void		 wsgi_app_clear(struct wsgi_state *st);

#endif
