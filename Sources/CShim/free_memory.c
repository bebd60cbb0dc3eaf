#include "CShim.h"
#include <malloc.h>

void sf_release_free_memory(void) { malloc_trim(0); }
