/*
 * Probes of `ckpt check`: each exercises one kernel feature once. Returns 0
 * or -errno; msg gets the reason of a failure, or details of a success
 * ("" means a plain "ok").
 */
#ifndef CKPT_CLI_CHECK_PROBES_H
#define CKPT_CLI_CHECK_PROBES_H

#include <stddef.h>

int probe_ptrace(char *msg, size_t len);
int probe_clone3_set_tid(char *msg, size_t len);
int probe_pagemap_scan(char *msg, size_t len);
int probe_userfaultfd(char *msg, size_t len);
int probe_map_files(char *msg, size_t len);
int probe_pidfd_getfd(char *msg, size_t len);
int probe_process_vm_readv(char *msg, size_t len);
int probe_vdso(char *msg, size_t len);

#endif
