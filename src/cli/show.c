/* ckpt show DIR: print the image set in DIR as one JSON document. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "images/image-show.h"

static void show_usage(FILE *f)
{
	fputs("usage: ckpt show [-v0..4] [-o LOG] [-D] DIR\n"
	      "\n"
	      "Print the image set in DIR as one JSON document: the inventory, the\n"
	      "mounts, the open files and every task with its registers, memory map,\n"
	      "dumped page runs, cwd/root and fds. Byte fields show their length only.\n"
	      "\n"
	      "  -D DIR      the image directory (or give it as the argument)\n"
	      "  -o LOG      write the log to LOG\n"
	      "  -v0..-v4    log level (default 2: warnings)\n", f);
}

int cmd_show(int argc, char **argv)
{
	const char *dir = NULL, *log_path = NULL;
	int level = LOG_WARN, err, i;
	bool opts = true;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int v;

		if (!opts || a[0] != '-' || !a[1]) {
			if (dir)
				goto extra;
			dir = a;
		} else if (!strcmp(a, "--")) {
			opts = false;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			show_usage(stdout);
			return 0;
		} else if (!strcmp(a, "-D") && i + 1 < argc) {
			if (dir)
				goto extra;
			dir = argv[++i];
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			log_path = argv[++i];
		} else if (!strcmp(a, "-D") || !strcmp(a, "-o")) {
			fprintf(stderr, "ckpt: show: option %s needs an argument\n", a);
			return 2;
		} else if ((v = cli_parse_verbosity(a)) >= 0) {
			level = v;
		} else {
			fprintf(stderr, "ckpt: show: unknown option %s\n", a);
			return 2;
		}
	}
	if (!dir) {
		fputs("ckpt: show: no image directory given\n", stderr);
		show_usage(stderr);
		return 2;
	}

	if (cli_log_init("show", log_path, level, NULL))
		return 1;
	err = show_image_set(dir, stdout);
	if (err)
		cli_report_failure("show", err);
	log_fini();
	return err ? 1 : 0;
extra:
	fprintf(stderr, "ckpt: show: unexpected argument %s\n", argv[i]);
	return 2;
}
