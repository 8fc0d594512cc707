#!/bin/sh
# Fails when Python.h leaks out of server/python and server/wsgi (STYLE 6),
# or when those files do not include it first after PY_SSIZE_T_CLEAN.
set -eu
cd "${top_srcdir:-$(dirname "$0")/..}"
bad=0
for f in $(find common config server -name '*.[ch]'); do
	case "$f" in
	server/python/*|server/wsgi/*) continue ;;
	esac
	if grep -n '#include.*Python\.h' "$f"; then
		echo "FAIL: $f includes Python.h"
		bad=1
	fi
done
for f in $(find server/python server/wsgi -name '*.c'); do
	if grep -q 'Python\.h' "$f"; then
		first=$(grep -n '^#' "$f" | head -2 | tr '\n' ' ')
		case "$first" in
		*PY_SSIZE_T_CLEAN*Python.h*) ;;
		*) echo "FAIL: $f: Python.h must come first, after PY_SSIZE_T_CLEAN"; bad=1 ;;
		esac
	fi
done
[ "$bad" -eq 0 ] && echo "layering: ok (no Python.h outside server/python, server/wsgi)"
exit "$bad"
