/* Shared between the files of test/lib; not for tests. */
#ifndef ZDTMTST_LIB_PRIV_H
#define ZDTMTST_LIB_PRIV_H

#include <stdbool.h>

/* Path of O, or NULL before test_init(). */
const char *lib_outfile(void);

/* Append len bytes to "O<suffix>" with one write(); suffix "" is O itself. */
void lib_append(const char *suffix, const char *buf, size_t len);

/*
 * The library's own fds (ready pipe, verdict pipes): closed in every child
 * forked through test_fork()/test_child_fork().
 */
void lib_fd_add(int fd);
void lib_fd_del(int fd);
void lib_fds_close_all(void);

/* Set in a child forked by test_child_fork(): the write end to the parent. */
void lib_set_parent_fd(int fd);

#endif
