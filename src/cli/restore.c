/* ckpt restore: not built yet (issue: restore). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_restore(int argc, char **argv)
{
	fprintf(stderr, "ckpt: restore is not implemented yet\n");
	return 1;
}
