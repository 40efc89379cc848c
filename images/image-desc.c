/* The kind table: file name, magic, per-task flag and message type of each image kind. */
#include <stddef.h>

#include "images/image.h"
#include "images/image-desc.h"
#include "images/magic.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "mountinfo.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

struct kind {
	struct img_desc d;
	const char *name;
};

static const struct kind kinds[IMG__MAX] = {
	[IMG_INVENTORY]	= { { "inventory.img", IMG_MAGIC_INVENTORY, false, &inventory_entry__descriptor }, "inventory" },
	[IMG_PSTREE]	= { { "pstree.img",    IMG_MAGIC_PSTREE,    false, &pstree_entry__descriptor },    "pstree" },
	[IMG_CORE]	= { { "core-%u.img",   IMG_MAGIC_CORE,      true,  &task_core_entry__descriptor }, "core" },
	[IMG_MM]	= { { "mm-%u.img",     IMG_MAGIC_MM,        true,  &mm_entry__descriptor },        "mm" },
	[IMG_PAGEMAP]	= { { "pagemap-%u.img", IMG_MAGIC_PAGEMAP,  true,  &pagemap_entry__descriptor },   "pagemap" },
	[IMG_PAGES]	= { { "pages-%u.img",  IMG_MAGIC_PAGES,     true,  NULL },                         "pages" },
	[IMG_FILES]	= { { "files.img",     IMG_MAGIC_FILES,     false, &file_entry__descriptor },      "files" },
	[IMG_FDINFO]	= { { "fdinfo-%u.img", IMG_MAGIC_FDINFO,    true,  &fd_entry__descriptor },        "fdinfo" },
	[IMG_FS]	= { { "fs-%u.img",     IMG_MAGIC_FS,        true,  &fs_entry__descriptor },        "fs" },
	[IMG_MOUNTINFO]	= { { "mountinfo.img", IMG_MAGIC_MOUNTINFO, false, &mountinfo_entry__descriptor }, "mountinfo" },
	[IMG_GHOST]	= { { "ghost-%u.img",  IMG_MAGIC_GHOST,     true,  NULL },                         "ghost" },
};

const struct img_desc *img_desc(enum img_kind kind)
{
	if ((unsigned)kind >= IMG__MAX)
		return NULL;
	return &kinds[kind].d;
}

const char *img_kind_name(enum img_kind kind)
{
	if ((unsigned)kind >= IMG__MAX)
		return "?";
	return kinds[kind].name;
}

int img_kind_by_magic(uint32_t magic)
{
	for (int k = 0; k < IMG__MAX; k++)
		if (kinds[k].d.magic == magic)
			return k;
	return -1;
}

const ProtobufCMessageDescriptor *img_record_desc(enum img_kind kind, uint64_t idx)
{
	if ((unsigned)kind >= IMG__MAX)
		return NULL;
	if (kind == IMG_PAGEMAP && idx == 0)
		return &pagemap_head__descriptor;
	return kinds[kind].d.msg;
}
