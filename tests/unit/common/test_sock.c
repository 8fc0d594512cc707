#include "tests/unit/tests.h"
CU_TestInfo sock_tests[] = { CU_TEST_INFO_NULL };
