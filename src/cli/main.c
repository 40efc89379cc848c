#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/log.h"
#include "images/image.h"

static void usage(FILE *f)
{
	fputs("usage: ckpt <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  dump -t PID -D DIR [--leave-running] [--shell-job] [-o LOG] [-v0..4]\n"
	      "                     checkpoint the process tree rooted at PID into DIR\n"
	      "  restore -D DIR [-d] [--pidfile FILE] [--shell-job] [-o LOG] [-v0..4]\n"
	      "                     bring the tree in DIR back, same pids, and let it run\n"
	      "  show DIR           print the image set in DIR as JSON\n"
	      "  check              report the kernel features ckpt relies on\n"
	      "  version            print ckpt's version and image version (also -V, --version)\n"
	      "\n"
	      "Run 'ckpt <command> --help' for the options of a command.\n", f);
}

int cli_parse_verbosity(const char *arg)
{
	if (strncmp(arg, "-v", 2) != 0)
		return -1;
	arg += 2;
	if (*arg == '\0')
		return LOG_INFO;
	if (arg[0] >= '0' && arg[0] <= '4' && arg[1] == '\0')
		return arg[0] - '0';
	int n = 1;
	for (; *arg == 'v'; arg++)
		n++;
	if (*arg)
		return -1;
	return n + 2 > LOG_DEBUG ? LOG_DEBUG : n + 2;
}

int cli_common_opt(int c, const char *cmd, char **argv, const char **log_path, int *level)
{
	const char *arg = argv[optind - 1];

	switch (c) {
	case 'o':
		*log_path = optarg;
		return 0;
	case 'v':
		*level = cli_parse_verbosity(arg);
		if (*level < 0) {
			fprintf(stderr, "ckpt: %s: bad verbosity '%s'\n", cmd, arg);
			return 2;
		}
		return 0;
	case ':':
		fprintf(stderr, "ckpt: %s: option '%s' needs an argument\n", cmd, arg);
		return 2;
	case '?':
		fprintf(stderr, "ckpt: %s: unknown option '%s' (see 'ckpt %s --help')\n", cmd, arg, cmd);
		return 2;
	default:
		return -1;
	}
}

int cli_log_init(const char *cmd, const char *log_path, int level, const char *images_dir)
{
	char *path = NULL;
	int ret;

	if (log_path && log_path[0] != '/' && images_dir) {
		if (asprintf(&path, "%s/%s", images_dir, log_path) < 0) {
			fprintf(stderr, "ckpt: %s: out of memory\n", cmd);
			return 1;
		}
		if (mkdir(images_dir, 0700) && errno != EEXIST) {
			fprintf(stderr, "ckpt: %s: cannot make %s for the log: %s\n", cmd, images_dir,
				strerror(errno));
			free(path);
			return 1;
		}
		log_path = path;
	}
	ret = log_init(log_path, level);
	if (ret) {
		fprintf(stderr, "ckpt: %s: cannot open log file %s: %s\n", cmd, log_path,
			strerror(-ret));
		free(path);
		return 1;
	}
	free(path);
	return 0;
}

int cli_no_args(const char *cmd, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "ckpt: %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return 2;
	}
	return 0;
}

void cli_report_failure(const char *what, int err)
{
	const char *msg = log_first_error();

	if (msg)
		fprintf(stderr, "ckpt: %s failed: %s\n", what, msg);
	else
		fprintf(stderr, "ckpt: %s failed: %s\n", what, strerror(err < 0 ? -err : err));
}

int main(int argc, char **argv)
{
	/* one command is one operation: its first error is printed as its one line */
	struct op_error err = { 0 };

	log_set_op(&err);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];

	if (!strcmp(cmd, "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(argc - 1, argv + 1);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("ckpt %s (image version %u)\n", CKPT_VERSION, IMG_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "ckpt: unknown command '%s' (try 'ckpt --help')\n", cmd);
	return 2;
}
