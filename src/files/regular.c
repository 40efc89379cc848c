/* Regular files, directories and device nodes: reopened by path at restore. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "common/util.h"
#include "files/files.h"
#include "proc/proc.h"

int file_fill_common(const struct fd_probe *p, FileEntry *fe, const char *path)
{
	const struct stat *st = p->st;

	fe->path = strdup(path);
	if (!fe->path)
		return -ENOMEM;
	fe->flags = p->info->flags;
	fe->pos = p->info->pos < 0 ? -1 : p->info->pos;
	fe->mode = st->st_mode;
	fe->mnt_id = p->mnt_id;
	fe->ino = st->st_ino;
	fe->size = st->st_size;
	fe->has_dev = fe->has_rdev = fe->has_nlink = true;
	fe->dev = st->st_dev;
	fe->rdev = st->st_rdev;
	fe->nlink = st->st_nlink;
	fe->has_uid = fe->has_gid = fe->has_mtime_ns = fe->has_atime_ns = true;
	fe->uid = st->st_uid;
	fe->gid = st->st_gid;
	fe->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000ull + st->st_mtim.tv_nsec;
	fe->atime_ns = (uint64_t)st->st_atim.tv_sec * 1000000000ull + st->st_atim.tv_nsec;
	if (p->info->own_pid || p->info->own_sig) {
		fe->fown = malloc(sizeof(*fe->fown));
		if (!fe->fown)
			return -ENOMEM;
		fown_entry__init(fe->fown);
		fe->fown->pid = p->info->own_pid;
		fe->fown->pid_type = p->info->own_type;
		fe->fown->signum = p->info->own_sig;
	}
	return 0;
}

/*
 * A terminal: the character majors of ttys (Documentation/admin-guide/
 * devices.txt): BSD ptys 2 and 3, virtual consoles and serial ports 4,
 * /dev/tty, /dev/console and /dev/ptmx 5, Unix98 pty slaves 136-143 (masters
 * are /dev/ptmx); and whatever else says it is one (isatty on our copy).
 */
static bool is_terminal(const struct fd_probe *p)
{
	unsigned int maj = major(p->st->st_rdev), min = minor(p->st->st_rdev);

	if (!S_ISCHR(p->st->st_mode))
		return false;
	if (maj == 2 || maj == 3 || maj == 4 || (maj == 5 && min <= 2) ||
	    (maj >= 136 && maj <= 143))
		return true;
	return p->local >= 0 && isatty(p->local);
}

/* Is it the task's controlling terminal (tty_nr of /proc/PID/stat)? */
static bool is_ctty(const struct fd_probe *p)
{
	struct proc_stat st;
	char *buf = NULL;
	unsigned int maj, min;
	bool yes = false;

	if (proc_read(p->pid, "stat", &buf) < 0)
		return false;
	if (!proc_parse_stat(buf, &st)) {
		maj = ((unsigned int)st.tty_nr >> 8) & 0xfff;
		min = ((unsigned int)st.tty_nr & 0xff) | (((unsigned int)st.tty_nr >> 12) & 0xfff00);
		yes = st.tty_nr && p->st->st_rdev == makedev(maj, min);
	}
	free(buf);
	return yes;
}

/*
 * A shell job's terminal: its mode and size as the job left them (raw mode
 * of an editor, no echo), to be put on the terminal restore runs from. One
 * allocation, owned by tty_termios.data; tty_winsize points into it.
 */
static int tty_mode_save(const struct fd_probe *p, FileEntry *fe)
{
	uint8_t *buf = malloc(sizeof(struct termios) + sizeof(struct winsize));

	if (!buf)
		return pr_errno(-ENOMEM, "pid %d fd %d (%s): terminal mode", p->pid, p->fd, p->link);
	if (tcgetattr(p->local, (struct termios *)buf) ||
	    ioctl(p->local, TIOCGWINSZ, buf + sizeof(struct termios))) {
		int err = -errno;

		free(buf);
		return pr_errno(err, "pid %d fd %d (%s): read the terminal's mode", p->pid, p->fd,
				p->link);
	}
	fe->has_tty_termios = fe->has_tty_winsize = true;
	fe->tty_termios = (ProtobufCBinaryData){ sizeof(struct termios), buf };
	fe->tty_winsize = (ProtobufCBinaryData){ sizeof(struct winsize), buf + sizeof(struct termios) };
	return 0;
}

int regular_fill(const struct fd_probe *p, FileEntry *fe)
{
	char path[PATH_MAX];
	bool deleted;
	int ret;

	snprintf(path, sizeof(path), "%s", p->link);
	deleted = proc_strip_deleted(path);
	if (path[0] != '/')
		return unsupported_kind(p->pid, p->fd, p->link);
	switch (p->st->st_mode & S_IFMT) {
	case S_IFREG: fe->kind = FILE_KIND__FILE_REG; break;
	case S_IFDIR: fe->kind = FILE_KIND__FILE_DIR; break;
	case S_IFCHR: fe->kind = FILE_KIND__FILE_CHR; break;
	case S_IFBLK: fe->kind = FILE_KIND__FILE_BLK; break;
	/* O_PATH only (probe_fd): reopened by path with O_PATH, never opened for real */
	case S_IFIFO: fe->kind = FILE_KIND__FILE_FIFO; break;
	case S_IFLNK: fe->kind = FILE_KIND__FILE_LNK; break;
	case S_IFSOCK: fe->kind = FILE_KIND__FILE_SOCK; break;
	default:
		return unsupported_kind(p->pid, p->fd, p->link);
	}
	if (is_terminal(p) && !(p->external_session && isatty(p->local) && is_ctty(p))) {
		/* a pty pair, a console, /dev/tty: reopening the path would make another */
		pr_err("pid %d fd %d (%s, tty %u:%u): a terminal of the tree: not supported yet "
		       "(only the caller's, with --shell-job)", p->pid, p->fd, p->link,
		       major(p->st->st_rdev), minor(p->st->st_rdev));
		return -EOPNOTSUPP;
	}
	if (is_terminal(p)) {
		/* the terminal of the shell that started the tree: not ours to restore */
		if (!p->shell_job) {
			pr_err("pid %d fd %d (%s): the terminal of a session outside the tree: "
			       "dump it with --shell-job", p->pid, p->fd, p->link);
			return -EOPNOTSUPP;
		}
		fe->has_tty_external = true;
		fe->tty_external = true;
		ret = tty_mode_save(p, fe);
		if (ret)
			return ret;
	}
	if ((p->info->flags & O_PATH) && (deleted || p->st->st_nlink == 0)) {
		pr_err("pid %d fd %d (%s): an O_PATH fd on a file whose name is gone: not supported",
		       p->pid, p->fd, p->link);
		return -EOPNOTSUPP;
	}
	if (deleted || p->st->st_nlink == 0) {
		fe->has_deleted = true;
		fe->deleted = true;
	}
	ret = file_fill_common(p, fe, path);
	if (ret || fe->tty_external)
		return ret;
	ret = procfs_check(p, path);
	if (ret)
		return ret;
	return unlinked_fill(p, fe, path, deleted);
}
