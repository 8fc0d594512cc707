#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * Script loading, as mod_wsgi does it: the file is read, compiled under its
 * real file name (tracebacks show it) and executed in a fresh module named
 * "_pyfpm_wsgi_" + a hash of its path, registered in sys.modules (pickle
 * and friends look modules up there).  One module per path per
 * interpreter: two routes with the same script and group share it.
 *
 * Lookups happen with the GIL held and run no Python code, so the table
 * cannot change under them.  Loading runs the script, and so may let other
 * threads of this interpreter in: it is serialised by st->load_lock, taken
 * with the GIL dropped, and rechecks the table once it has the lock.
 */

#include "server/wsgi/app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "server/python/interp.h"
#include "server/wsgi/demo.h"
#include "server/wsgi/traceback.h"

#define APP_SOURCE_MAX	(64L * 1024 * 1024)

/* What identifies one version of a file, for reload_on_change. */
struct app_id {
	struct timespec	 mtime;
	off_t		 size;
	ino_t		 ino;
	dev_t		 dev;
};

struct wsgi_app {
	char		*path;
	uint64_t	 hash;
	PyObject	*module;
	struct app_id	 id;
};

/* Where a load is reported: the request, or the preload. */
struct app_ctx {
	const char	*group;
	const char	*uri;
};

/* FNV-1a: cheap, and plenty to tell a handful of paths apart. */
static uint64_t
path_hash(const char *path)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *path != '\0'; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3ULL;
	return h;
}

static void
id_of(const struct stat *sb, struct app_id *id)
{
	id->mtime = sb->st_mtim;
	id->size = sb->st_size;
	id->ino = sb->st_ino;
	id->dev = sb->st_dev;
}

/* True when the file at a's path is not the version that was loaded. */
static bool
changed(const struct wsgi_app *a)
{
	struct stat	sb;
	struct app_id	now;

	if (stat(a->path, &sb) == -1)
		return true;
	id_of(&sb, &now);
	return now.mtime.tv_sec != a->id.mtime.tv_sec ||
	    now.mtime.tv_nsec != a->id.mtime.tv_nsec ||
	    now.size != a->id.size || now.ino != a->id.ino ||
	    now.dev != a->id.dev;
}

/* The index of path in st's table, or -1. */
static ssize_t
find(const struct wsgi_state *st, const char *path, uint64_t hash)
{
	size_t	i;

	for (i = 0; i < st->napps; i++)
		if (st->apps[i].hash == hash &&
		    strcmp(st->apps[i].path, path) == 0)
			return (ssize_t)i;
	return -1;
}

/* Reads the whole file (no GIL needed).  *src is NUL-terminated, caller
 * frees.  0, or -1 with errno set. */
static int
read_source(const char *path, char **src, struct app_id *id)
{
	struct stat	 sb;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, saved;

	*src = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode) || sb.st_size > APP_SOURCE_MAX) {
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((*src = malloc((size_t)sb.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)sb.st_size) {
		r = read(fd, *src + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	(*src)[got] = '\0';
	id_of(&sb, id);
	close(fd);
	return 0;
fail:
	saved = errno;
	free(*src);
	*src = NULL;
	close(fd);
	errno = saved;
	return -1;
}

/* Takes a half-run module out of sys.modules, keeping the exception that
 * stopped it. */
static void
unregister(PyObject *modules, const char *name, PyObject *module)
{
	PyObject	*type, *value, *tb;

	PyErr_Fetch(&type, &value, &tb);
	if (PyDict_GetItemString(modules, name) == module &&
	    PyDict_DelItemString(modules, name) == -1)
		PyErr_Clear();
	PyErr_Restore(type, value, tb);
}

/* Runs code in a new module registered as sys.modules[name]. */
static PyObject *
exec_module(PyObject *code, const char *name, const char *path)
{
	PyObject	*module, *builtins = NULL, *file = NULL, *r = NULL;
	PyObject	*modules = PyImport_GetModuleDict(), *d;

	if ((module = PyModule_New(name)) == NULL)
		return NULL;
	d = PyModule_GetDict(module);
	if ((builtins = PyImport_ImportModule("builtins")) == NULL ||
	    (file = PyUnicode_DecodeFSDefault(path)) == NULL ||
	    PyDict_SetItemString(d, "__builtins__", builtins) == -1 ||
	    PyDict_SetItemString(d, "__file__", file) == -1 ||
	    PyDict_SetItemString(modules, name, module) == -1)
		goto done;
	if ((r = PyEval_EvalCode(code, d, d)) == NULL)
		unregister(modules, name, module);
done:
	Py_XDECREF(builtins);
	Py_XDECREF(file);
	if (r == NULL)
		Py_CLEAR(module);
	Py_XDECREF(r);
	return module;
}

/* Reads, compiles and runs the script at path.  New reference to its
 * module, or NULL with the reason logged. */
static PyObject *
load(const char *path, uint64_t hash, struct app_id *id,
    const struct app_ctx *ctx)
{
	PyObject	*code, *module = NULL;
	char		*src, name[32];
	void		*token;
	int		 r, saved;

	token = interp_block();
	r = read_source(path, &src, id);
	saved = errno;
	interp_unblock(token);
	if (r == -1) {
		log_error("group \"%s\" uri %s: cannot load script %s: %s",
		    ctx->group, ctx->uri, path, strerror(saved));
		return NULL;
	}
	snprintf(name, sizeof(name), "_pyfpm_wsgi_%016llx",
	    (unsigned long long)hash);
	code = Py_CompileStringExFlags(src, path, Py_file_input, NULL, -1);
	free(src);
	if (code != NULL) {
		module = exec_module(code, name, path);
		Py_DECREF(code);
	}
	if (module == NULL) {
		log_error("group \"%s\" uri %s: cannot load script %s:",
		    ctx->group, ctx->uri, path);
		wsgi_traceback_log(ctx->group, ctx->uri);
	}
	return module;
}

/* Puts module in st's table at index i (-1: a new entry). */
static int
store(struct wsgi_state *st, ssize_t i, const char *path, uint64_t hash,
    PyObject *module, const struct app_id *id)
{
	struct wsgi_app	*a;
	size_t		 ncap;
	char		*copy;

	if (i >= 0) {
		a = &st->apps[i];
		Py_SETREF(a->module, module);
		a->id = *id;
		return 0;
	}
	if ((copy = strdup(path)) == NULL)
		return -1;
	if (st->napps == st->capapps) {
		ncap = st->capapps == 0 ? 4 : st->capapps * 2;
		if ((a = realloc(st->apps, ncap * sizeof(*a))) == NULL) {
			free(copy);
			return -1;
		}
		st->apps = a;
		st->capapps = ncap;
	}
	a = &st->apps[st->napps++];
	a->path = copy;
	a->hash = hash;
	a->module = module;
	a->id = *id;
	return 0;
}

/* Removes entry i: the file on disk no longer loads. */
static void
forget(struct wsgi_state *st, size_t i)
{
	free(st->apps[i].path);
	Py_DECREF(st->apps[i].module);
	st->apps[i] = st->apps[--st->napps];
}

/* Loads (or reloads) path under the load lock.  New reference. */
static PyObject *
load_locked(struct wsgi_state *st, const char *path, uint64_t hash,
    bool reload, const struct app_ctx *ctx)
{
	PyObject	*module;
	struct app_id	 id;
	ssize_t		 i;
	void		*token;

	token = interp_block();
	pthread_mutex_lock(&st->load_lock);
	interp_unblock(token);
	/* Another thread may have loaded it while we waited. */
	i = find(st, path, hash);
	if (i >= 0 && !(reload && changed(&st->apps[i]))) {
		module = st->apps[i].module;
		Py_INCREF(module);
	} else if ((module = load(path, hash, &id, ctx)) == NULL) {
		if (i >= 0)
			forget(st, (size_t)i);
	} else {
		Py_INCREF(module);
		if (store(st, i, path, hash, module, &id) == -1) {
			Py_DECREF(module);	/* served once, not kept */
			log_warnx("%s: out of memory", __func__);
		}
	}
	pthread_mutex_unlock(&st->load_lock);
	return module;
}

/* The module of the script at path: loaded once, reloaded if asked and
 * changed.  New reference, or NULL with the reason logged. */
static PyObject *
module_get(struct wsgi_state *st, const char *path, bool reload,
    const struct app_ctx *ctx)
{
	uint64_t	hash = path_hash(path);
	ssize_t		i;

	i = find(st, path, hash);
	if (i >= 0 && !(reload && changed(&st->apps[i]))) {
		Py_INCREF(st->apps[i].module);
		return st->apps[i].module;
	}
	if (i >= 0)
		log_info("group \"%s\": script %s changed, reloading",
		    ctx->group, path);
	return load_locked(st, path, hash, reload, ctx);
}

PyObject *
wsgi_app_get(struct wsgi_state *st, const struct request *req)
{
	const struct route	*route = req->match.route;
	const char		*callable = ROUTE_DEFAULT_CALLABLE;
	struct app_ctx		 ctx = { req->group, req->uri };
	PyObject		*module, *app;

	if (req->match.script == NULL) {
		if ((app = wsgi_demo_get(st)) == NULL)
			wsgi_traceback_log(req->group, req->uri);
		return app;
	}
	if (route != NULL && route->callable != NULL)
		callable = route->callable;
	module = module_get(st, req->match.script,
	    route != NULL && route->reload_on_change, &ctx);
	if (module == NULL)
		return NULL;
	app = PyObject_GetAttrString(module, callable);
	Py_DECREF(module);
	if (app == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
		PyErr_Clear();
		log_error("group \"%s\" uri %s: script %s has no callable "
		    "'%s'", req->group, req->uri, req->match.script, callable);
	} else if (app == NULL)
		wsgi_traceback_log(req->group, req->uri);
	return app;
}

int
wsgi_app_preload(struct wsgi_state *st, const struct route *route)
{
	struct app_ctx	 ctx = { interp_name(st->in), "(preload)" };
	const char	*callable = route->callable != NULL ? route->callable :
			    ROUTE_DEFAULT_CALLABLE;
	PyObject	*module;
	int		 has;

	if (route->script == NULL)
		return 0;
	module = module_get(st, route->script, false, &ctx);
	if (module == NULL)
		return -1;
	/* Say now, not at the first request, that the callable is missing. */
	has = PyObject_HasAttrString(module, callable);
	Py_DECREF(module);
	if (!has) {
		log_error("group \"%s\" uri %s: script %s has no callable "
		    "'%s'", ctx.group, ctx.uri, route->script, callable);
		return -1;
	}
	return 0;
}

void
wsgi_app_clear(struct wsgi_state *st)
{
	while (st->napps > 0)
		forget(st, st->napps - 1);
	free(st->apps);
	st->apps = NULL;
	st->capapps = 0;
}
