/*
 * The jail's root filesystem, built by G in its mount namespace: / made private; a fresh tmpfs root with read-only
 * nosuid nodev binds of /usr (and the /bin /lib /lib64 /sbin symlinks of merged-/usr Debian), a generated minimal
 * /etc, a fresh /proc, a tmpfs /dev holding only null, zero, urandom (bind mounts), a size- and inode-limited noexec
 * tmpfs /work (cwd, HOME and TMPDIR; /tmp is a symlink to it), nothing else writable; pivot_root into it, old root
 * detached, / remounted read-only.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "jail.h"

static int write_new_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return -1;
    if (write_all(fd, text, strlen(text)) != 0) { close(fd); return -1; }
    return close(fd);
}

static void bind_ro(const struct jail *j, const char *src, const char *dst) {
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0) jail_fail(j, "bind %s", src);
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        jail_fail(j, "remount ro %s", dst);
}

static void bind_dev(const struct jail *j, const char *name, const char *root) {
    char src[64], dst[256];
    snprintf(src, sizeof src, "/dev/%s", name);
    snprintf(dst, sizeof dst, "%s/dev/%s", root, name);
    if (write_new_file(dst, "", 0666) != 0) jail_fail(j, "create %s", dst);
    if (mount(src, dst, NULL, MS_BIND, NULL) != 0) jail_fail(j, "bind %s", src);
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC, NULL) != 0) jail_fail(j, "remount %s", src);
}

/* G, with capabilities in the new user namespace: builds the root and pivots into it. */
void mount_ns_build_root(struct jail *j) {
    const char *root = "/tmp";  /* only a mount point: the tmpfs mounted on it is private to this namespace */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) jail_fail(j, "make / private");
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=256,mode=0755") != 0)
        jail_fail(j, "tmpfs root");
    const char *dirs[] = {"usr", "etc", "proc", "dev", "work", ".oldroot"};
    char path[256];
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        if (mkdir(path, 0755) != 0) jail_fail(j, "mkdir %s", path);
    }
    snprintf(path, sizeof path, "%s/usr", root);
    bind_ro(j, "/usr", path);
    /* Merged-/usr layout: /bin, /lib, /lib64, /sbin are symlinks into /usr. */
    /* /tmp is the work dir too: the only writable place, under one size limit. */
    const char *links[][2] = {{"usr/bin", "bin"}, {"usr/lib", "lib"}, {"usr/lib64", "lib64"}, {"usr/sbin", "sbin"},
                              {"work", "tmp"}};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", root, links[i][1]);
        if (symlink(links[i][0], path) != 0) jail_fail(j, "symlink %s", path);
    }
    snprintf(path, sizeof path, "%s/etc/passwd", root);
    if (write_new_file(path, "sandbox:x:1000:1000:sandbox:/work:/usr/sbin/nologin\n", 0644) != 0)
        jail_fail(j, "write passwd");
    snprintf(path, sizeof path, "%s/etc/group", root);
    if (write_new_file(path, "sandbox:x:1000:\n", 0644) != 0) jail_fail(j, "write group");
    snprintf(path, sizeof path, "%s/proc", root);
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) jail_fail(j, "mount proc");
    snprintf(path, sizeof path, "%s/dev", root);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=16,mode=0755") != 0)
        jail_fail(j, "tmpfs dev");
    bind_dev(j, "null", root);
    bind_dev(j, "zero", root);
    bind_dev(j, "urandom", root);
    char opts[128];
    snprintf(path, sizeof path, "%s/work", root);
    snprintf(opts, sizeof opts, "size=%ldm,nr_inodes=4096,mode=0777", j->cfg->work_mb);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) != 0) jail_fail(j, "tmpfs work");
    snprintf(path, sizeof path, "%s/.oldroot", root);
    if (syscall(SYS_pivot_root, root, path) != 0) jail_fail(j, "pivot_root");
    if (chdir("/") != 0) jail_fail(j, "chdir /");
    if (umount2("/.oldroot", MNT_DETACH) != 0) jail_fail(j, "detach old root");
    if (rmdir("/.oldroot") != 0) jail_fail(j, "rmdir old root");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        jail_fail(j, "remount / read-only");
    j->layers |= LAYER_PIVOT;
}
