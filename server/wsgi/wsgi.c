#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "server/wsgi/wsgi.h"
