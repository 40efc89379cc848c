/*
 * The one registry of image magics. Every image file starts with
 * IMG_FILE_MAGIC and then the magic of its kind (see image.h for the header).
 *
 * Each value is four ASCII letters read as a little-endian u32, so that a
 * hexdump of any image starts with "CKPT" and the kind ("CKPTCORE").
 * Values are never reused or changed: a new kind takes a new, distinct code
 * (test_image checks that they are distinct).
 */
#ifndef CKPT_IMAGES_MAGIC_H
#define CKPT_IMAGES_MAGIC_H

#define IMG_MAGIC4(a, b, c, d) \
	((unsigned)(a) | (unsigned)(b) << 8 | (unsigned)(c) << 16 | (unsigned)(d) << 24)

enum img_magic {
	IMG_FILE_MAGIC		= IMG_MAGIC4('C', 'K', 'P', 'T'),	/* 0x54504b43 */

	IMG_MAGIC_INVENTORY	= IMG_MAGIC4('I', 'N', 'V', 'E'),
	IMG_MAGIC_PSTREE	= IMG_MAGIC4('P', 'S', 'T', 'R'),
	IMG_MAGIC_CORE		= IMG_MAGIC4('C', 'O', 'R', 'E'),
	IMG_MAGIC_MM		= IMG_MAGIC4('M', 'M', 'E', 'M'),
	IMG_MAGIC_PAGEMAP	= IMG_MAGIC4('P', 'M', 'A', 'P'),
	IMG_MAGIC_PAGES		= IMG_MAGIC4('P', 'A', 'G', 'E'),
	IMG_MAGIC_FILES		= IMG_MAGIC4('F', 'I', 'L', 'E'),
	IMG_MAGIC_FDINFO	= IMG_MAGIC4('F', 'D', 'I', 'N'),
	IMG_MAGIC_FS		= IMG_MAGIC4('F', 'S', 'Y', 'S'),
	IMG_MAGIC_MOUNTINFO	= IMG_MAGIC4('M', 'N', 'T', 'I'),
	IMG_MAGIC_GHOST		= IMG_MAGIC4('G', 'H', 'S', 'T'),
};

#endif
