/* Test tables exported by each unit-test file (STYLE.md section 11). */
#ifndef PYFPM_TESTS_UNIT_TESTS_H
#define PYFPM_TESTS_UNIT_TESTS_H

#include <CUnit/CUnit.h>

extern CU_TestInfo units_tests[];
extern CU_TestInfo route_tests[];
extern CU_TestInfo group_tests[];
extern CU_TestInfo sock_tests[];
extern CU_TestInfo config_tests[];
extern CU_TestInfo wsgi_tests[];

#endif
