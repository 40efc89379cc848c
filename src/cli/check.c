/*
 * ckpt check: probe, once each, the kernel features dump and restore rely
 * on, print one line per feature and fail if dump or restore cannot work.
 * userfaultfd, process_vm_readv and the vDSO layout are reported only: dump
 * moves pages with vmsplice and the restorer copes with any vDSO layout.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/check-probes.h"
#include "cli/cli.h"
#include "common/log.h"

static const struct probe {
	const char *name;
	int (*run)(char *msg, size_t len);
	bool required;
} probes[] = {
	{ "ptrace seize/interrupt", probe_ptrace, true },
	{ "clone3 set_tid", probe_clone3_set_tid, true },
	{ "PAGEMAP_SCAN", probe_pagemap_scan, true },
	{ "userfaultfd", probe_userfaultfd, false },
	{ "/proc/PID/map_files", probe_map_files, true },
	{ "pidfd_getfd", probe_pidfd_getfd, true },
	{ "process_vm_readv", probe_process_vm_readv, false },
	{ "vDSO layout", probe_vdso, false },
};

static void usage(FILE *f)
{
	fputs("usage: ckpt check [-v0..4]\n"
	      "\n"
	      "Exercise the kernel features ckpt relies on and print one line per\n"
	      "feature. Exits 0 when dump and restore can work here, 1 otherwise.\n", f);
}

int cmd_check(int argc, char **argv)
{
	const struct probe *failed = NULL;
	char failed_msg[256] = "";
	char msg[256];
	size_t i;
	int level, err;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		level = cli_parse_verbosity(argv[i]);
		if (level >= 0) {
			log_init(NULL, level);
			continue;
		}
		fprintf(stderr, "ckpt: check: unknown option %s\n", argv[i]);
		return 2;
	}

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const struct probe *p = &probes[i];

		msg[0] = '\0';
		err = p->run(msg, sizeof(msg));
		if (!err) {
			printf("%s: %s\n", p->name, msg[0] ? msg : "ok");
		} else if (p->required) {
			printf("%s: FAILED: %s\n", p->name, msg);
			if (!failed) {
				failed = p;
				snprintf(failed_msg, sizeof(failed_msg), "%s", msg);
			}
		} else {
			printf("%s: unavailable: %s\n", p->name, msg);
		}
		fflush(stdout);	/* each line shows as soon as its probe is done */
	}
	if (failed) {
		fprintf(stderr, "ckpt: check failed: %s: %s\n", failed->name, failed_msg);
		return 1;
	}
	return 0;
}
