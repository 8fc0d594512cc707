/* The CUnit runners' shared main: register, run, report, exit status. */
#ifndef PYFPM_TESTS_UNIT_RUNNER_H
#define PYFPM_TESTS_UNIT_RUNNER_H

#include <CUnit/CUnit.h>

/*
 * Runs suites with CUnit's basic interface (its report goes to stdout, the
 * test's log) and prints a one-line summary to fd 9 when it is open (make
 * check points it at the terminal).  Returns the exit status: 0 when no
 * test and no suite init failed, 1 otherwise, 2 if CUnit itself failed.
 */
int	runner_main(const char *name, CU_SuiteInfo *suites);

#endif
