/* ckpt dump: options, then dump_tree(). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"

static void dump_usage(FILE *f)
{
	fputs("usage: ckpt dump -t PID -D DIR [--leave-running] [--shell-job] [--freeze-timeout S] [-o LOGFILE] [-v0..4]\n"
	      "\n"
	      "  -t, --tree PID          the root of the process tree to checkpoint\n"
	      "  -D, --images-dir DIR    where the image set goes (created if missing)\n"
	      "  -R, --leave-running     let the tree run on after the dump (default: kill it)\n"
	      "  -j, --shell-job         the tree runs on the caller's terminal, in a session\n"
	      "                          it does not lead: record the terminal as external\n"
	      "      --ghost-limit SIZE  most data of unlinked files to copy into the images\n"
	      "                          (default 1G; K, M, G suffixes)\n"
	      "      --freeze-timeout SECONDS  give up when a thread of the tree has not\n"
	      "                          stopped after this long (vfork(), D state); default 10\n"
	      "  -o, --log-file FILE     write the log there (default: warnings to stderr)\n"
	      "  -v[0-4]                 log level: 0 none, 1 errors, 2 warnings, 3 info, 4 debug\n", f);
}

/* Many fds are held at once (one per open file of the tree): use the hard limit. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tree", required_argument, NULL, 't' },
		{ "images-dir", required_argument, NULL, 'D' },
		{ "leave-running", no_argument, NULL, 'R' },
		{ "log-file", required_argument, NULL, 'o' },
		{ "shell-job", no_argument, NULL, 'j' },
		{ "ghost-limit", required_argument, NULL, 'G' },
		{ "freeze-timeout", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dump_opts o = { .ghost_limit = 1ull << 30, .freeze_timeout = 10 };
	const char *log_path = NULL;
	int level = LOG_WARN, c, ret;
	char *end;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:D:Ro:jv::h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			/* range-checked before it becomes a pid_t: 4294967297 is not pid 1 */
			long pid = (errno = 0, strtol(optarg, &end, 10));

			if (errno || end == optarg || *end || pid <= 0 || pid > INT_MAX) {
				fprintf(stderr, "ckpt: dump: bad pid '%s'\n", optarg);
				return 2;
			}
			o.pid = pid;
			break;
		}
		case 'D':
			o.dir = optarg;
			break;
		case 'R':
			o.leave_running = true;
			break;
		case 'j':
			o.shell_job = true;
			break;
		case 'G':
			if (parse_size(optarg, &o.ghost_limit)) {
				fprintf(stderr, "ckpt: dump: bad --ghost-limit '%s' (e.g. 512M, 2G)\n", optarg);
				return 2;
			}
			break;
		case 'F': {
			unsigned long v = (errno = 0, strtoul(optarg, &end, 10));

			if (errno || end == optarg || *end || optarg[0] == '-' || !v || v > 86400) {
				fprintf(stderr, "ckpt: dump: bad --freeze-timeout '%s' (seconds, 1..86400)\n",
					optarg);
				return 2;
			}
			o.freeze_timeout = v;
			break;
		}
		case 'h':
			dump_usage(stdout);
			return 0;
		default:
			ret = cli_common_opt(c, "dump", argv, &log_path, &level);
			if (ret)
				return ret;
		}
	}
	ret = cli_no_args("dump", argc, argv);
	if (ret)
		return ret;
	if (!o.pid || !o.dir) {
		fprintf(stderr, "ckpt: dump: -t PID and -D DIR are required\n");
		return 2;
	}
	if (cli_log_init("dump", log_path, level, o.dir))
		return 1;
	raise_nofile();
	ret = dump_tree(&o);
	if (ret) {
		cli_report_failure("dump", ret);
		log_fini();
		return 1;
	}
	log_fini();
	return 0;
}
