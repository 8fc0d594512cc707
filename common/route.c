#include "common/route.h"
