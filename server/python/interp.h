/* Interpreters: the main one and one named sub-interpreter per application
 * group, with one cached thread state per (thread, interpreter) as STYLE.md
 * section 6 prescribes.  All GIL and thread-state code lives in interp.c. */
#ifndef PYFPM_SERVER_PYTHON_INTERP_H
#define PYFPM_SERVER_PYTHON_INTERP_H

#include <stdbool.h>
#include <stddef.h>

/* An interpreter: the main one (group "") or a named sub-interpreter. */
struct interp;

struct interp_options {
	const char	 *home;		/* python.home, or NULL */
	char *const	 *path;		/* python.path, prepended to sys.path */
	size_t		  npath;
	bool		  own_gil;	/* sub-interpreters with their own GIL */
	int		  max_interpreters;	/* named ones; main not counted */
};

/*
 * Starts Python in this (the worker's main) thread.  Returns with no GIL
 * held.  0, or -1 with the reason logged.  Copies what it needs of opts.
 */
int	interp_init(const struct interp_options *opts);

/*
 * Finds or creates the interpreter of group ("" = main) and makes it this
 * thread's current one, GIL held.  Returns it (borrowed until
 * interp_shutdown()), or NULL with *status 503 (max_interpreters reached,
 * logged) or 500 (creation failed, logged) and no GIL held.
 */
struct interp	*interp_acquire(const char *group, int *status);

/* Releases the GIL taken by interp_acquire(); the thread state stays cached. */
void	interp_release(struct interp *in);

/* Drops the GIL around a blocking call in the current interpreter; pair with
 * interp_unblock().  Returns an opaque token. */
void	*interp_block(void);
/* Takes the GIL back after interp_block(). */
void	 interp_unblock(void *token);

/* The group name ("" for main).  Borrowed. */
const char	*interp_name(const struct interp *in);
/* Python's id of the interpreter (0 = main). */
long long	 interp_id(const struct interp *in);
/* True when the interpreter has its own GIL. */
bool		 interp_own_gil(const struct interp *in);

/* Per-interpreter slot for the WSGI layer; free_fn runs with the GIL held
 * before the interpreter ends.  The data is owned by the slot after set. */
void	*interp_data(const struct interp *in);
void	 interp_set_data(struct interp *in, void *data, void (*free_fn)(void *));

/* Forgets this thread's thread states; call as a request thread exits. */
void	interp_thread_exit(void);

/* The embedded Python's version, e.g. "3.11.2 (main, ...) [GCC 12.2.0]";
 * callable before interp_init().  Static storage. */
const char	*interp_python_version(void);

/* Number of named sub-interpreters that exist now. */
int	interp_count(void);

/*
 * Ends every sub-interpreter (their atexit functions run) and finalizes
 * Python.  Call from the thread that called interp_init(), after every
 * other thread that used Python has stopped.
 */
void	interp_shutdown(void);

#endif
