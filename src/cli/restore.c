/* ckpt restore: options, then restore_tree(). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "restore/restore.h"

static void restore_usage(FILE *f)
{
	fputs("usage: ckpt restore -D DIR [-d] [--shell-job] [--pidfile FILE] [--trust-images] [-o LOGFILE] [-v0..4]\n"
	      "\n"
	      "  -D, --images-dir DIR      the image set to restore\n"
	      "  -d, --restore-detached    exit 0 once the tree runs (the root becomes a child\n"
	      "                            of ckpt's parent); default: wait for the root and\n"
	      "                            exit with its status\n"
	      "      --pidfile FILE        write the root's pid there\n"
	      "  -j, --shell-job           the tree was a job of a shell: put it on this\n"
	      "                            terminal, in this session, in the foreground\n"
	      "      --trust-images        restore a set owned or writable by another user,\n"
	      "                            with the credentials it asks for\n"
	      "  -o, --log-file FILE       write the log there (default: warnings to stderr)\n"
	      "  -v[0-4]                   log level: 0 none ... 4 debug\n", f);
}

int cmd_restore(int argc, char **argv)
{
	enum { OPT_PIDFILE = 0x100, OPT_TRUST_IMAGES };
	static const struct option opts[] = {
		{ "images-dir", required_argument, NULL, 'D' },
		{ "restore-detached", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "log-file", required_argument, NULL, 'o' },
		{ "shell-job", no_argument, NULL, 'j' },
		{ "trust-images", no_argument, NULL, OPT_TRUST_IMAGES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct restore_opts o = { 0 };
	const char *log_path = NULL;
	int level = LOG_WARN, c, ret, status = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":D:do:jv::h", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			o.dir = optarg;
			break;
		case 'd':
			o.detached = true;
			break;
		case OPT_PIDFILE:
			o.pidfile = optarg;
			break;
		case 'j':
			o.shell_job = true;
			break;
		case OPT_TRUST_IMAGES:
			o.trust_images = true;
			break;
		case 'h':
			restore_usage(stdout);
			return 0;
		default:
			ret = cli_common_opt(c, "restore", argv, &log_path, &level);
			if (ret)
				return ret;
		}
	}
	ret = cli_no_args("restore", argc, argv);
	if (ret)
		return ret;
	if (!o.dir) {
		fprintf(stderr, "ckpt: restore: -D DIR is required\n");
		return 2;
	}
	if (cli_log_init("restore", log_path, level, o.dir))
		return 1;
	ret = restore_tree(&o, &status);
	if (ret) {
		cli_report_failure("restore", ret);
		status = 1;
	}
	log_fini();
	return status;
}
