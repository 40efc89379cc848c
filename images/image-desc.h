/*
 * What the kind table in image-desc.c knows beyond struct img_desc: a short
 * name per kind (for messages and `ckpt show`) and which message type each
 * record of an image holds.
 */
#ifndef CKPT_IMAGES_IMAGE_DESC_H
#define CKPT_IMAGES_IMAGE_DESC_H

#include <stdint.h>

#include "images/image.h"

/* "core", "pagemap", ...; "?" for an invalid kind. */
const char *img_kind_name(enum img_kind kind);

/* The kind whose magic this is, or -1. */
int img_kind_by_magic(uint32_t magic);

/*
 * Message type of record number idx (from 0) of an image of this kind.
 * Every kind holds one type, except pagemap: record 0 is a PagemapHead,
 * the records after it PagemapEntry (img_desc(IMG_PAGEMAP)->msg).
 * NULL for the raw pages image.
 */
const ProtobufCMessageDescriptor *img_record_desc(enum img_kind kind, uint64_t idx);

#endif
