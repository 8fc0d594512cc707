#include "server/explain.h"
