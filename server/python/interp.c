#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * Interpreters and thread states (STYLE.md section 6).
 *
 * Every request thread keeps one PyThreadState per interpreter it has used,
 * in a thread-local array indexed by the interpreter's slot.  The main
 * interpreter's thread state is created first on every thread, so that
 * PyGILState_Ensure() from C extensions finds it: the GIL-state API only
 * knows the main interpreter.  Every interpreter, main included, is entered
 * with PyEval_RestoreThread() and left with PyEval_SaveThread(); we never use
 * PyGILState_* ourselves.
 *
 * An interpreter's thread-state count never drops to zero while it lives:
 * Python 3.11 aborts when the last one is deleted and a new one made.  So
 * thread states are only deleted at shutdown, after the shutting-down thread
 * has made its own.
 */

#include "server/python/interp.h"

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

struct interp {
	char			*name;		/* "" for main */
	PyInterpreterState	*state;
	int			 slot;		/* index in table and caches */
	bool			 own_gil;
	long long		 id;
	void			*data;
	void			(*data_free)(void *);
};

/* Per-thread cache: thread state of each interpreter, by slot. */
struct interp_thread {
	PyThreadState	**ts;
	int		  cap;
	struct interp	 *last;		/* last interpreter acquired */
	PyThreadState	 *current;	/* the one holding (or owed) the GIL */
};

static struct interp		 interp_main;
static struct interp		**interp_table;	/* [0] = &interp_main */
static int			 interp_ntable;
static int			 interp_cap;
static pthread_mutex_t		 interp_table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t		 interp_create_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interp_options	 interp_opts;
static char			**interp_path_copy;
static pthread_t		 interp_main_thread;

static _Thread_local struct interp_thread interp_self;

static int	 interp_prepend_path(void);

/* Gives this thread its cache and, first of all, its main thread state. */
static int
thread_setup(void)
{
	struct interp_thread	*t = &interp_self;

	if (t->ts != NULL)
		return 0;
	t->cap = interp_cap;
	if ((t->ts = calloc((size_t)t->cap, sizeof(*t->ts))) == NULL)
		return -1;
	/* Registers itself as this thread's GIL-state thread state. */
	t->ts[0] = PyThreadState_New(interp_main.state);
	if (t->ts[0] == NULL) {
		free(t->ts);
		t->ts = NULL;
		return -1;
	}
	return 0;
}

static int
set_home(PyConfig *pc, const char *home)
{
	char		 exe[4096];
	struct stat	 st;
	PyStatus	 status;

	/*
	 * A virtualenv has a pyvenv.cfg and no standard library: point the
	 * program at its bin/python so that getpath finds the base prefix
	 * and the venv's site-packages, as running that python would.
	 */
	snprintf(exe, sizeof(exe), "%s/pyvenv.cfg", home);
	if (stat(exe, &st) == 0) {
		snprintf(exe, sizeof(exe), "%s/bin/python3", home);
		status = PyConfig_SetBytesString(pc, &pc->program_name, exe);
	} else
		status = PyConfig_SetBytesString(pc, &pc->home, home);
	if (PyStatus_Exception(status)) {
		log_warnx("%s: python.home %s: %s", __func__, home,
		    status.err_msg ? status.err_msg : "invalid");
		return -1;
	}
	return 0;
}

/* Configures and starts Python in this thread (the worker's main thread),
 * leaving the main interpreter's GIL held.  0, or -1 logged. */
static int
start_python(const char *home)
{
	PyConfig	pc;
	PyStatus	status;

	PyConfig_InitPythonConfig(&pc);
	/* Signals belong to the worker's C code, not to Python. */
	pc.install_signal_handlers = 0;
	pc.parse_argv = 0;
	if (home != NULL) {
		if (set_home(&pc, home) == -1) {
			PyConfig_Clear(&pc);
			return -1;
		}
	} else {
		/*
		 * Without a program name Python searches PATH for "python3"
		 * and takes its prefix: another installation's standard
		 * library (a pyenv shim, say) under our libpython.  Anchor
		 * it to the python this pyfpm was built against.
		 */
		status = PyConfig_SetBytesString(&pc, &pc.program_name,
		    PYFPM_PYTHON_BIN);
		if (PyStatus_Exception(status)) {
			PyConfig_Clear(&pc);
			return -1;
		}
	}
	status = Py_InitializeFromConfig(&pc);
	PyConfig_Clear(&pc);
	if (PyStatus_Exception(status)) {
		log_warnx("%s: Python failed to start: %s", __func__,
		    status.err_msg ? status.err_msg : "unknown error");
		return -1;
	}
	return 0;
}

int
interp_init(const struct interp_options *opts)
{
	size_t	i;

	interp_opts = *opts;
#if PY_VERSION_HEX < 0x030C0000
	if (opts->own_gil) {
		log_warnx("%s: python.own_gil needs Python 3.12 or newer; "
		    "this pyfpm embeds %s", __func__, PY_VERSION);
		return -1;
	}
#endif
	interp_path_copy = calloc(opts->npath + 1, sizeof(char *));
	if (interp_path_copy == NULL)
		return -1;
	for (i = 0; i < opts->npath; i++)
		if ((interp_path_copy[i] = strdup(opts->path[i])) == NULL)
			return -1;
	interp_opts.path = interp_path_copy;
	if (start_python(opts->home) == -1)
		return -1;

	interp_cap = opts->max_interpreters + 1;
	interp_table = calloc((size_t)interp_cap, sizeof(*interp_table));
	if (interp_table == NULL)
		return -1;
	interp_main.name = "";
	interp_main.state = PyInterpreterState_Main();
	interp_main.id = PyInterpreterState_GetID(interp_main.state);
	interp_table[0] = &interp_main;
	interp_ntable = 1;
	interp_main_thread = pthread_self();

	interp_self.cap = interp_cap;
	interp_self.ts = calloc((size_t)interp_cap, sizeof(PyThreadState *));
	if (interp_self.ts == NULL)
		return -1;
	interp_self.ts[0] = PyThreadState_Get();
	if (interp_prepend_path() == -1) {
		PyErr_Print();
		return -1;
	}
	PyEval_SaveThread();
	return 0;
}

/* Prepends python.path to sys.path of the current interpreter (GIL held). */
static int
interp_prepend_path(void)
{
	PyObject	*path, *item;
	size_t		 i;

	if (interp_opts.npath == 0)
		return 0;
	if ((path = PySys_GetObject("path")) == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "sys.path is missing");
		return -1;
	}
	for (i = interp_opts.npath; i-- > 0; ) {
		item = PyUnicode_DecodeFSDefault(interp_opts.path[i]);
		if (item == NULL)
			return -1;
		if (PyList_Insert(path, 0, item) == -1) {
			Py_DECREF(item);
			return -1;
		}
		Py_DECREF(item);
	}
	return 0;
}

/* Finds a named interpreter; NULL if none.  Borrowed. */
static struct interp *
lookup(const char *group)
{
	struct interp	*in = NULL;
	int		 i;

	pthread_mutex_lock(&interp_table_lock);
	for (i = 1; i < interp_ntable; i++)
		if (strcmp(interp_table[i]->name, group) == 0) {
			in = interp_table[i];
			break;
		}
	pthread_mutex_unlock(&interp_table_lock);
	return in;
}

/* Makes a new sub-interpreter; on success its GIL is held by this thread
 * and the new thread state is current.  Needs the main GIL on entry (which
 * the call gives up). */
static PyThreadState *
new_interpreter(bool own_gil)
{
	PyThreadState	*ts = NULL;

#if PY_VERSION_HEX >= 0x030C0000
	if (own_gil) {
		PyInterpreterConfig	cfg = {
			.use_main_obmalloc = 0,
			.allow_fork = 0,
			.allow_exec = 1,	/* subprocess needs it */
			.allow_threads = 1,
			.allow_daemon_threads = 0,
			.check_multi_interp_extensions = 1,
			.gil = PyInterpreterConfig_OWN_GIL,
		};
		PyStatus	status;

		status = Py_NewInterpreterFromConfig(&ts, &cfg);
		if (PyStatus_Exception(status)) {
			log_warnx("%s: %s", __func__, status.err_msg ?
			    status.err_msg : "Py_NewInterpreterFromConfig failed");
			return NULL;
		}
		return ts;
	}
#else
	(void)own_gil;
#endif
	ts = Py_NewInterpreter();
	return ts;
}

/* Creates interpreter `group` and leaves it acquired (*made true), or finds
 * that another thread made it meanwhile (*made false, nothing acquired).
 * NULL + *status on failure, with no GIL held. */
static struct interp *
create(const char *group, int *status, bool *made)
{
	struct interp	*in;
	PyThreadState	*ts;

	*made = false;
	pthread_mutex_lock(&interp_create_lock);
	if ((in = lookup(group)) != NULL) {
		/* another thread made it meanwhile */
		pthread_mutex_unlock(&interp_create_lock);
		return in;
	}
	if (interp_ntable >= interp_cap) {
		pthread_mutex_unlock(&interp_create_lock);
		log_warnx("%s: max_interpreters (%d) reached: group \"%s\" "
		    "refused with 503", __func__, interp_cap - 1, group);
		*status = 503;
		return NULL;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (in->name = strdup(group)) == NULL) {
		free(in);
		pthread_mutex_unlock(&interp_create_lock);
		*status = 500;
		return NULL;
	}
	PyEval_RestoreThread(interp_self.ts[0]);
	if ((ts = new_interpreter(interp_opts.own_gil)) == NULL) {
		/* The main thread state is still current on failure. */
		PyEval_SaveThread();
		pthread_mutex_unlock(&interp_create_lock);
		log_warnx("%s: cannot create interpreter for group \"%s\"",
		    __func__, group);
		free(in->name);
		free(in);
		*status = 500;
		return NULL;
	}
	if (interp_prepend_path() == -1) {
		log_warnx("%s: group \"%s\": cannot extend sys.path",
		    __func__, group);
		PyErr_Clear();
	}
#if PY_VERSION_HEX >= 0x03090000
	in->state = PyThreadState_GetInterpreter(ts);
#else
	in->state = ts->interp;
#endif
	in->id = PyInterpreterState_GetID(in->state);
	in->own_gil = interp_opts.own_gil;
	pthread_mutex_lock(&interp_table_lock);
	in->slot = interp_ntable;
	interp_table[interp_ntable++] = in;
	pthread_mutex_unlock(&interp_table_lock);
	pthread_mutex_unlock(&interp_create_lock);

	/* Keep the creator's thread state: it is this thread's for `in`. */
	interp_self.ts[in->slot] = ts;
	interp_self.current = ts;
	*made = true;
	log_info("group \"%s\": interpreter %lld created%s", group, in->id,
	    in->own_gil ? " (own GIL)" : "");
	return in;
}

struct interp *
interp_acquire(const char *group, int *status)
{
	struct interp_thread	*t = &interp_self;
	struct interp		*in;
	PyThreadState		*ts;
	bool			 made;

	*status = 0;
	if (thread_setup() == -1) {
		*status = 500;
		return NULL;
	}
	if (group[0] == '\0')
		in = &interp_main;
	else if (t->last != NULL && strcmp(t->last->name, group) == 0)
		in = t->last;
	else if ((in = lookup(group)) == NULL) {
		if ((in = create(group, status, &made)) == NULL)
			return NULL;
		if (made) {
			t->last = in;
			return in;	/* created here: already acquired */
		}
	}
	t->last = in;
	if ((ts = t->ts[in->slot]) == NULL) {
		if ((ts = PyThreadState_New(in->state)) == NULL) {
			*status = 500;
			return NULL;
		}
		t->ts[in->slot] = ts;
	}
	t->current = ts;
	PyEval_RestoreThread(ts);
	return in;
}

void
interp_release(struct interp *in)
{
	(void)in;
	PyEval_SaveThread();
	interp_self.current = NULL;
}

void *
interp_block(void)
{
	return PyEval_SaveThread();
}

void
interp_unblock(void *token)
{
	PyEval_RestoreThread(token);
}

const char *
interp_name(const struct interp *in)
{
	return in->name;
}

long long
interp_id(const struct interp *in)
{
	return in->id;
}

bool
interp_own_gil(const struct interp *in)
{
	return in->own_gil;
}

void *
interp_data(const struct interp *in)
{
	return in->data;
}

void
interp_set_data(struct interp *in, void *data, void (*free_fn)(void *))
{
	in->data = data;
	in->data_free = free_fn;
}

void
interp_thread_exit(void)
{
	/*
	 * Thread states stay alive until interp_shutdown(): deleting them
	 * here could leave an interpreter with none (see the top comment).
	 * Only the cache itself is dropped; the states are reachable from
	 * their interpreters.
	 */
	if (pthread_equal(pthread_self(), interp_main_thread))
		return;
	free(interp_self.ts);
	interp_self.ts = NULL;
	interp_self.last = NULL;
}

const char *
interp_python_version(void)
{
	return Py_GetVersion();
}

int
interp_count(void)
{
	int	n;

	pthread_mutex_lock(&interp_table_lock);
	n = interp_ntable - 1;
	pthread_mutex_unlock(&interp_table_lock);
	return n;
}

/* Deletes every thread state of the current interpreter but `keep`. */
static void
delete_other_thread_states(PyThreadState *keep)
{
	PyThreadState	*ts, *next;

#if PY_VERSION_HEX >= 0x03090000
	ts = PyInterpreterState_ThreadHead(PyThreadState_GetInterpreter(keep));
#else
	ts = PyInterpreterState_ThreadHead(keep->interp);
#endif
	while (ts != NULL) {
		next = PyThreadState_Next(ts);
		if (ts != keep) {
			PyThreadState_Clear(ts);
			PyThreadState_Delete(ts);
		}
		ts = next;
	}
}

/* Runs the WSGI layer's cleanup for in (GIL held). */
static void
free_data(struct interp *in)
{
	if (in->data != NULL && in->data_free != NULL)
		in->data_free(in->data);
	in->data = NULL;
}

/* Ends one sub-interpreter from the shutting-down thread; returns with no
 * thread state current and no GIL held. */
static void
end_one(struct interp *in)
{
	PyThreadState	*mine = interp_self.ts[in->slot];

	if (mine == NULL &&
	    (mine = PyThreadState_New(in->state)) == NULL) {
		log_warnx("%s: group \"%s\": cannot end interpreter",
		    __func__, in->name);
		return;
	}
	PyEval_RestoreThread(mine);
	delete_other_thread_states(mine);
	free_data(in);
	/* Runs the interpreter's atexit functions, then destroys it. */
	Py_EndInterpreter(mine);
#if PY_VERSION_HEX < 0x030C0000
	/* 3.11 leaves the shared GIL held with no thread state. */
	PyThreadState_Swap(interp_self.ts[0]);
	PyEval_SaveThread();
#endif
	interp_self.ts[in->slot] = NULL;
}

void
interp_shutdown(void)
{
	int	i;

	if (interp_table == NULL)
		return;
	for (i = interp_ntable - 1; i >= 1; i--) {
		end_one(interp_table[i]);
		free(interp_table[i]->name);
		free(interp_table[i]);
		interp_table[i] = NULL;
	}
	interp_ntable = 1;
	PyEval_RestoreThread(interp_self.ts[0]);
	delete_other_thread_states(interp_self.ts[0]);
	free_data(&interp_main);
	if (Py_FinalizeEx() < 0)
		log_warnx("%s: Python finalization reported an error",
		    __func__);
	free(interp_table);
	interp_table = NULL;
	free(interp_self.ts);
	interp_self.ts = NULL;
	for (i = 0; interp_path_copy != NULL &&
	    interp_path_copy[i] != NULL; i++)
		free(interp_path_copy[i]);
	free(interp_path_copy);
	interp_path_copy = NULL;
}
