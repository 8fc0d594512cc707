#include "common/group.h"
