#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * Formats an exception with the traceback module, as Python itself would
 * print it, and logs it line by line: every line carries the group and the
 * URI, so concurrent requests' tracebacks can be told apart and grepped.
 */

#include "server/wsgi/traceback.h"

#include <string.h>

#include "common/log.h"

/* Returns "".join(traceback.format_exception(type, value, tb)) as UTF-8
 * bytes.  New reference, or NULL with an exception set. */
static PyObject *
format(PyObject *type, PyObject *value, PyObject *tb)
{
	PyObject	*mod, *lines = NULL, *sep = NULL, *text = NULL;
	PyObject	*bytes = NULL;

	if ((mod = PyImport_ImportModule("traceback")) == NULL)
		return NULL;
	lines = PyObject_CallMethod(mod, "format_exception", "OOO", type,
	    value, tb != NULL ? tb : Py_None);
	if (lines == NULL || (sep = PyUnicode_FromString("")) == NULL)
		goto done;
	if ((text = PyUnicode_Join(sep, lines)) == NULL)
		goto done;
	bytes = PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace");
done:
	Py_XDECREF(text);
	Py_XDECREF(sep);
	Py_XDECREF(lines);
	Py_DECREF(mod);
	return bytes;
}

/* Logs each line of text with the request's tag. */
static void
log_lines(const char *group, const char *uri, const char *text)
{
	const char	*nl;

	while (*text != '\0') {
		if ((nl = strchr(text, '\n')) == NULL)
			nl = text + strlen(text);
		log_error("group \"%s\" uri %s: %.*s", group, uri,
		    (int)(nl - text), text);
		text = *nl == '\n' ? nl + 1 : nl;
	}
}

void
wsgi_traceback_log(const char *group, const char *uri)
{
	PyObject	*type, *value, *tb, *text;

	if (!PyErr_Occurred())
		return;
	if (uri == NULL)
		uri = "-";
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb != NULL && value != NULL)
		PyException_SetTraceback(value, tb);
	text = format(type, value != NULL ? value : Py_None, tb);
	if (text != NULL)
		log_lines(group, uri, PyBytes_AS_STRING(text));
	else {
		PyErr_Clear();
		log_error("group \"%s\" uri %s: %s (no traceback: formatting "
		    "it failed)", group, uri, type != NULL &&
		    PyType_Check(type) ? ((PyTypeObject *)type)->tp_name :
		    "exception");
	}
	Py_XDECREF(text);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
}
