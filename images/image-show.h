/*
 * `ckpt show`: the whole image set in a directory as one JSON document.
 *
 *   { "inventory": {InventoryEntry},
 *     "mountinfo": [MountinfoEntry...],
 *     "files":     [FileEntry...],
 *     "tasks": [ { PstreeEntry fields...,
 *                  "core":    {TaskCoreEntry},
 *                  "mm":      {MmEntry},
 *                  "pagemap": { PagemapHead fields (pid, nr_pages),
 *                               "runs": [ {"vaddr", "nr_pages"}... ] },
 *                  "fs":      {FsEntry},
 *                  "fds": [ { FdEntry fields (fd, file_id, cloexec),
 *                             then the FileEntry with id == file_id merged in } ] } ] }
 *
 * Tasks are in pstree.img order. A zombie's missing per-task images are left
 * out; for any other task they are an error. mountinfo.img and files.img may
 * be absent (empty arrays), but every fd must name a file in files.img.
 */
#ifndef CKPT_IMAGES_IMAGE_SHOW_H
#define CKPT_IMAGES_IMAGE_SHOW_H

#include <stdio.h>

/* 0, or -errno with the first problem logged; nothing reaches out on failure. */
int show_image_set(const char *dir, FILE *out);
/* The same with imgset_open_flags() flags (tests and the fuzz target: IMGSET_NO_CHECKSUMS). */
int show_image_set_flags(const char *dir, unsigned flags, FILE *out);

#endif
