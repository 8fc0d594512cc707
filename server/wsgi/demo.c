#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * The demo app is Python source kept here as a C string and compiled once
 * in each interpreter that needs it (code objects are not shared between
 * interpreters).  INTERPRETER_ID is set from interp_id() before it runs.
 */

#include "server/wsgi/demo.h"

static const char demo_source[] =
	"import os\n"
	"\n"
	"def application(environ, start_response):\n"
	"    lines = [\n"
	"        'pyfpm %s: built-in demo app'\n"
	"        % (environ.get('pyfpm.version'),),\n"
	"        '',\n"
	"        'application group: %r'\n"
	"        % (environ.get('pyfpm.application_group'),),\n"
	"        'interpreter id: %d' % INTERPRETER_ID,\n"
	"        'pid: %d' % os.getpid(),\n"
	"        '',\n"
	"        'environ:',\n"
	"    ]\n"
	"    for key in sorted(environ):\n"
	"        lines.append('    %s = %r' % (key, environ[key]))\n"
	"    body = ('\\n'.join(lines) + '\\n').encode('utf-8',\n"
	"                                            'backslashreplace')\n"
	"    start_response('200 OK', [\n"
	"        ('Content-Type', 'text/plain; charset=utf-8'),\n"
	"        ('Content-Length', str(len(body))),\n"
	"    ])\n"
	"    return [body]\n";

/* Compiles and runs the demo source; returns its callable (new ref). */
static PyObject *
demo_build(struct wsgi_state *st)
{
	PyObject	*code, *module = NULL, *builtins = NULL, *r = NULL;
	PyObject	*app = NULL, *d, *id = NULL;

	code = Py_CompileString(demo_source, "<pyfpm demo>", Py_file_input);
	if (code == NULL)
		return NULL;
	if ((module = PyModule_New("_pyfpm_demo")) == NULL ||
	    (builtins = PyImport_ImportModule("builtins")) == NULL ||
	    (id = PyLong_FromLongLong(interp_id(st->in))) == NULL)
		goto done;
	d = PyModule_GetDict(module);
	if (PyDict_SetItemString(d, "__builtins__", builtins) == -1 ||
	    PyDict_SetItemString(d, "INTERPRETER_ID", id) == -1)
		goto done;
	if ((r = PyEval_EvalCode(code, d, d)) == NULL)
		goto done;
	app = PyObject_GetAttrString(module, "application");
done:
	Py_XDECREF(r);
	Py_XDECREF(id);
	Py_XDECREF(builtins);
	Py_XDECREF(module);
	Py_DECREF(code);
	return app;
}

PyObject *
wsgi_demo_get(struct wsgi_state *st)
{
	PyObject	*app;

	if (st->demo == NULL) {
		if ((app = demo_build(st)) == NULL)
			return NULL;
		/* Running the source may have let another thread build it. */
		if (st->demo == NULL)
			st->demo = app;
		else
			Py_DECREF(app);
	}
	Py_INCREF(st->demo);
	return st->demo;
}
