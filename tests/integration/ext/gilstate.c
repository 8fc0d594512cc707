/* Test extension: runs a Python callable from a new C thread through the
 * PyGILState API, as C libraries that call back into Python do. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pthread.h>

struct job {
	PyObject	*callable;
	PyObject	*result;
};

static void *
run(void *arg)
{
	struct job		*job = arg;
	PyGILState_STATE	 st = PyGILState_Ensure();

	job->result = PyObject_CallObject(job->callable, NULL);
	if (job->result == NULL)
		PyErr_Print();
	PyGILState_Release(st);
	return NULL;
}

static PyObject *
call_in_thread(PyObject *self, PyObject *callable)
{
	struct job	job = { callable, NULL };
	pthread_t	tid;
	int		err;

	(void)self;
	Py_BEGIN_ALLOW_THREADS
	err = pthread_create(&tid, NULL, run, &job);
	if (err == 0)
		pthread_join(tid, NULL);
	Py_END_ALLOW_THREADS
	if (err != 0)
		return PyErr_Format(PyExc_OSError, "pthread_create: %d", err);
	if (job.result == NULL)
		return PyErr_Format(PyExc_RuntimeError, "callback failed");
	return job.result;
}

static PyMethodDef methods[] = {
	{ "call_in_thread", call_in_thread, METH_O, "call f in a C thread" },
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "_pyfpm_gilstate", NULL, -1, methods,
	NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__pyfpm_gilstate(void);

PyMODINIT_FUNC
PyInit__pyfpm_gilstate(void)
{
	return PyModule_Create(&module);
}
