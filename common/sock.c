#include "common/sock.h"
