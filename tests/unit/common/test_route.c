#include "tests/unit/tests.h"
CU_TestInfo route_tests[] = { CU_TEST_INFO_NULL };
