/* Subcommands of ckpt: each parses its own options and returns the exit code. */
#ifndef CKPT_CLI_CLI_H
#define CKPT_CLI_CLI_H

int cmd_dump(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Shared by subcommands: "-v", "-v3", "-vvv" -> level; -1 if not a -v option. */
int cli_parse_verbosity(const char *arg);
/*
 * The getopt cases every subcommand shares: -o FILE, -v, and the errors ':'
 * and '?' (c is what getopt_long returned, cmd the subcommand's name).
 * Returns -1 when c is none of them, else the exit code: 0 when only
 * *log_path or *level changed, 2 after printing a one-line usage error.
 */
int cli_common_opt(int c, const char *cmd, char **argv, const char **log_path, int *level);
/* log_init, or a one-line error: 0, or the exit code 1. */
/*
 * Open the log: a relative log_path goes into images_dir (if given; made
 * 0700 if missing, as dump would make it). 0, or 1 (said on stderr).
 */
int cli_log_init(const char *cmd, const char *log_path, int level, const char *images_dir);
/* The arguments left after the options: none allowed. 0 or 2 (printed). */
int cli_no_args(const char *cmd, int argc, char **argv);

/* Print "ckpt: <what> failed: <first logged error or fallback>" to stderr. */
void cli_report_failure(const char *what, int err);

#endif
