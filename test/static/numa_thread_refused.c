/* numa_thread_refused: numa_refused with the policy in the second thread alone. */
#define NUMA_THREAD_ONLY
#include "numa_refused.c"
