/* Subcommands of ckpt: each parses its own options and returns the exit code. */
#ifndef CKPT_CLI_CLI_H
#define CKPT_CLI_CLI_H

int cmd_dump(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Shared by subcommands: "-v", "-v3", "-vvv" -> level; -1 if not a -v option. */
int cli_parse_verbosity(const char *arg);
/* Print "ckpt: <what> failed: <first logged error or fallback>" to stderr. */
void cli_report_failure(const char *what, int err);

#endif
