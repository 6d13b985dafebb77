/*
 * codeeval-sandbox: runs one untrusted Python program in a jail and reports what happened as one JSON
 * object on stdout. The program text is read from stdin; it never touches the host filesystem.
 *
 * Layers, in the order they are applied (each one recorded in the "layers" field of the result):
 *   supervisor (this process, host side)
 *     1. creates pipes for stdout/stderr (capped readers), a proof pipe pair, a status pipe and a program pipe;
 *        creates the run's cgroups under its own (cgroup.c: v2 memory.max + memory.swap.max=0 + pids.max, or v1
 *        memory.limit_in_bytes = memsw limit + pids.max; unavailable = fail closed unless --allow-degraded), then
 *        forks the jail's parent C — all BEFORE it reads the program, so a launcher can be started ahead of its
 *        run (RunnerPool pre-spawns the next run's launcher while the current one executes; the cgroup-v1
 *        migration is an ~11 ms idle RCU wait that then overlaps other work). Only then does it read the program
 *        from stdin (capped; with --framed a "<length> <timeout-ms> <cpu-s>\n" header first, and end of input
 *        before a whole frame cancels the run: jail killed, cgroups removed, exit 4, no report), start the wall
 *        clock and hand the program to G over the program pipe. After the run it reads the OOM-kill counter,
 *        kills anything left in the groups and removes them.
 *   C (host pid namespace, becomes unprivileged)
 *     1b. joins the run's cgroups (while still root), so G, P and every descendant are in them.
 *     2. setresgid/setresuid to a per-run unprivileged host uid (so RLIMIT_NPROC applies even when we are root),
 *        PR_SET_PDEATHSIG=SIGKILL (dies with the supervisor), dumpable again so it can write its id maps.
 *     3. unshare(user, mount, pid, net, ipc, uts, cgroup); uid/gid maps: inside uid 1000 -> the host uid,
 *        setgroups denied. The new net namespace has only a down loopback: no network at all.
 *     4. clones G, which is pid 1 of the new pid namespace, into C's own memory (CLONE_VM | CLONE_VFORK: C is
 *        suspended until G exits, so G costs no copy of the address space); C then reaps it. Killing C (timeout)
 *        kills G through PDEATHSIG, and the death of pid 1 makes the kernel kill every process left in the namespace.
 *   G (pid 1, tiny init)
 *     5. filesystem: / made private; a fresh tmpfs root with read-only nosuid nodev binds of /usr (and the
 *        /bin /lib /lib64 /sbin symlinks of merged-/usr Debian), a generated minimal /etc, a fresh /proc, a
 *        tmpfs /dev holding only null, zero, urandom (bind mounts), size- and inode-limited noexec tmpfs /work
 *        (cwd, HOME and TMPDIR; /tmp is a symlink to it), nothing else writable; pivot_root into it, old root detached, / remounted read-only.
 *     6. hostname "sandbox"; G waits for the program on the program pipe (its CPU limit comes with it) and writes
 *        it to /work/main.py; G forks P and reaps until P exits, then reports P's wait status and rusage on the
 *        status pipe.
 *   P (the program)
 *     7. setsid (no controlling tty: TIOCSTI is also filtered), signal mask cleared and dispositions reset,
 *        rlimits (AS, CPU, FSIZE, NOFILE, NPROC, STACK, CORE=0, MEMLOCK=0, MSGQUEUE=0), capabilities dropped (bounding set and capset), fds closed
 *        (close_range) except 0 (/dev/null), 1, 2 (pipes), 3 (proof key in), 4 (proof out); clean environment.
 *     8. PR_SET_NO_NEW_PRIVS, then the seccomp allow-list (profile strict or standard; default action EPERM,
 *        a kill list of never-legitimate calls reported as "violation", foreign architectures killed), then
 *        execve(python, -I -S -B /work/main.py).
 *
 * --zygote: the same, many times over. The process initialises an embedded interpreter once (python_embed.c) and
 * keeps per-run launchers (forks of itself running exactly the steps above) built ahead; in step 8 the program runs
 * in the interpreter inherited through fork instead of execve. See zygote_serve at the end of this file.
 *
 * Exit status of this launcher: 0 when a result was printed (whatever the program did), 3 for a sandbox error
 * (also printed as JSON with "sandbox_error"), 2 for usage errors, 4 for a --framed run cancelled before its
 * program arrived (nothing printed, nothing ran).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "policy.h"
#include "zygote.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static struct config {
    long timeout_ms;
    long cpu_s;
    long mem_mb;
    long fsize_mb;
    long nofile;
    long nproc;
    long out_cap;
    long work_mb;
    long max_program;
    int standard_profile;
    int allow_degraded;
    int framed;
    int zygote;
    int no_snapshot;
    const char *python;
    const char *cgroup_root;
} cfg = {3000, 4, 1024, 16, 64, 32, 1 << 20, 64, 16 << 20, 0, 0, 0, 0, 0, "/usr/bin/python3", "/sys/fs/cgroup"};

/* The program's environment (execve's envp; in a zygote, the environment the interpreter is initialised with). */
static char *const program_env[] = {"PATH=/usr/bin:/bin", "HOME=/work", "TMPDIR=/work", "LANG=C.UTF-8",
                                    "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", NULL};

/* The run's proof key. Global so the jail can wipe its copy: with a zygote there is no execve to discard the
 * launcher's memory before the program runs. */
static unsigned char proof_raw[16];
static char proof_key[33];

/* Zygote mode (--zygote): one long-lived process per pool worker holds an initialised interpreter and forks a
 * per-run launcher for each run; that launcher does everything the per-run launcher does (same code below), and
 * its program process runs the program in the inherited interpreter instead of execve. The per-run launcher tells
 * the zygote over this pipe when it has read its whole frame (the zygote then gives the next launcher its turn and
 * forks another, which builds its jail while the runs before it execute) and when its verdict is out (see
 * zygote_serve). */
static int zygote_notify_fd = -1;
/* ... and the zygote gives it its turn to read the frame stream (one byte) over this one: several launchers are
 * built ahead, and they take the frames in the order they were forked. */
static int zygote_turn_fd = -1;
/* The signal dispositions of the zygote's initialised interpreter (SIGINT raises KeyboardInterrupt, SIGPIPE and
 * SIGXFSZ ignored, so a broken pipe or a file over RLIMIT_FSIZE is an OSError): what a new python3 sets up. */
static struct sigaction zygote_sigs[NSIG];
/* The zygote's seccomp filter, built once (len 0 = build it per run with libseccomp, as the per-run launcher does). */
static struct sock_fprog zygote_filter;
static int frame_done = 0;
static int has_run_id = 0;
static unsigned long long run_id = 0;
struct zygote_msg {
    char kind;  /* 'F' frame read, 'V' verdict printed */
    char pad[7];
    unsigned long long run_id;
};
static void zygote_notify(char kind) {
    if (zygote_notify_fd < 0) return;
    struct zygote_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.run_id = run_id;
    ssize_t w = write(zygote_notify_fd, &m, sizeof m);
    (void)w;
}

/* What the supervisor sends G on the program pipe before the program text. */
struct program_header {
    uint64_t length;
    int64_t cpu_s;
};

/* What the jail reports to the supervisor on the status pipe. */
struct status_msg {
    int kind;          /* 0 = result, 1 = setup error */
    int wait_status;   /* P's wait status */
    long cpu_us;
    long max_rss_kb;
    int layers;        /* bit set of LAYER_* that were applied */
    char error[200];
};

enum {
    LAYER_USER = 1 << 0, LAYER_PID = 1 << 1, LAYER_NET = 1 << 2, LAYER_MOUNT = 1 << 3, LAYER_IPC = 1 << 4,
    LAYER_UTS = 1 << 5, LAYER_CGROUPNS = 1 << 6, LAYER_PIVOT = 1 << 7, LAYER_RLIMITS = 1 << 8,
    LAYER_NNP = 1 << 9, LAYER_SECCOMP = 1 << 10, LAYER_CAPS = 1 << 11, LAYER_UNPRIV = 1 << 12,
    LAYER_CGROUP1 = 1 << 13, LAYER_CGROUP2 = 1 << 14, LAYER_COUNT = 15,
};
static const char *layer_names[] = {"user_ns", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns", "cgroup_ns",
                                    "pivot_root", "rlimits", "no_new_privs", "seccomp", "caps_dropped", "unprivileged_uid",
                                    "cgroup_v1_limits", "cgroup_v2_limits"};

static int status_fd = -1;
static int layers = 0;
static struct run_cgroups cgroups;  /* version 0 when the run has none (degraded) */

/* Reports a setup failure from inside the jail and exits; the supervisor turns it into sandbox_error. */
static void jail_fail(const char *fmt, ...) {
    struct status_msg m;
    memset(&m, 0, sizeof m);
    m.kind = 1;
    m.layers = layers;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.error, sizeof m.error, fmt, ap);
    va_end(ap);
    size_t len = strlen(m.error);
    if (len + 3 < sizeof m.error) snprintf(m.error + len, sizeof m.error - len, ": %s", strerror(errno));
    if (status_fd >= 0) { ssize_t w = write(status_fd, &m, sizeof m); (void)w; }
    _exit(120);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int write_new_file(const char *path, const char *data, size_t len, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n <= 0) { close(fd); return -1; }
        off += (size_t)n;
    }
    return close(fd);
}

static void bind_ro(const char *src, const char *dst) {
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0) jail_fail("bind %s", src);
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        jail_fail("remount ro %s", dst);
}

static void bind_dev(const char *name, const char *root) {
    char src[64], dst[256];
    snprintf(src, sizeof src, "/dev/%s", name);
    snprintf(dst, sizeof dst, "%s/dev/%s", root, name);
    if (write_new_file(dst, "", 0, 0666) != 0) jail_fail("create %s", dst);
    if (mount(src, dst, NULL, MS_BIND, NULL) != 0) jail_fail("bind %s", src);
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC, NULL) != 0) jail_fail("remount %s", src);
}

/* Builds the jail's root filesystem and pivots into it (G, with capabilities in the new user namespace). */
static void build_root(void) {
    const char *root = "/tmp";  /* only a mount point: the tmpfs mounted on it is private to this namespace */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) jail_fail("make / private");
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=256,mode=0755") != 0)
        jail_fail("tmpfs root");
    const char *dirs[] = {"usr", "etc", "proc", "dev", "work", ".oldroot"};
    char path[256];
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        if (mkdir(path, 0755) != 0) jail_fail("mkdir %s", path);
    }
    snprintf(path, sizeof path, "%s/usr", root);
    bind_ro("/usr", path);
    /* Merged-/usr layout: /bin, /lib, /lib64, /sbin are symlinks into /usr. */
    /* /tmp is the work dir too: the only writable place, under one size limit. */
    const char *links[][2] = {{"usr/bin", "bin"}, {"usr/lib", "lib"}, {"usr/lib64", "lib64"}, {"usr/sbin", "sbin"},
                              {"work", "tmp"}};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", root, links[i][1]);
        if (symlink(links[i][0], path) != 0) jail_fail("symlink %s", path);
    }
    snprintf(path, sizeof path, "%s/etc/passwd", root);
    const char *passwd = "sandbox:x:1000:1000:sandbox:/work:/usr/sbin/nologin\n";
    if (write_new_file(path, passwd, strlen(passwd), 0644) != 0) jail_fail("write passwd");
    snprintf(path, sizeof path, "%s/etc/group", root);
    const char *group = "sandbox:x:1000:\n";
    if (write_new_file(path, group, strlen(group), 0644) != 0) jail_fail("write group");
    snprintf(path, sizeof path, "%s/proc", root);
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) jail_fail("mount proc");
    snprintf(path, sizeof path, "%s/dev", root);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=16,mode=0755") != 0)
        jail_fail("tmpfs dev");
    bind_dev("null", root);
    bind_dev("zero", root);
    bind_dev("urandom", root);
    char opts[128];
    snprintf(path, sizeof path, "%s/work", root);
    snprintf(opts, sizeof opts, "size=%ldm,nr_inodes=4096,mode=0777", cfg.work_mb);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) != 0) jail_fail("tmpfs work");
    snprintf(path, sizeof path, "%s/.oldroot", root);
    if (syscall(SYS_pivot_root, root, path) != 0) jail_fail("pivot_root");
    if (chdir("/") != 0) jail_fail("chdir /");
    if (umount2("/.oldroot", MNT_DETACH) != 0) jail_fail("detach old root");
    if (rmdir("/.oldroot") != 0) jail_fail("rmdir old root");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        jail_fail("remount / read-only");
    layers |= LAYER_PIVOT;
}

/* G: waits for the run's program on the program pipe (the jail is complete by now) and streams it into
 * /work/main.py. End of input before a header means the supervisor cancelled the run: exit quietly. */
static void receive_program(int prog_fd) {
    struct program_header h;
    size_t got = 0;
    while (got < sizeof h) {
        ssize_t n = read(prog_fd, (char *)&h + got, sizeof h - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) jail_fail("read the program header");
        if (n == 0) _exit(0);
        got += (size_t)n;
    }
    if (h.length > (uint64_t)cfg.max_program || h.cpu_s < 1 || h.cpu_s > 3600) { errno = EINVAL; jail_fail("program header"); }
    cfg.cpu_s = (long)h.cpu_s;
    int fd = open("/work/main.py", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) jail_fail("create /work/main.py");
    char buf[65536];
    uint64_t left = h.length;
    while (left > 0) {
        ssize_t n = read(prog_fd, buf, left < sizeof buf ? (size_t)left : sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { errno = n == 0 ? EPIPE : errno; jail_fail("read the program"); }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w <= 0) jail_fail("write program");
            off += w;
        }
        left -= (uint64_t)n;
    }
    if (close(fd) != 0) jail_fail("write program");
    close(prog_fd);
}

static void set_limit(int resource, rlim_t soft, rlim_t hard, const char *name) {
    struct rlimit r = {soft, hard};
    if (setrlimit(resource, &r) != 0) jail_fail("setrlimit %s", name);
}

static void drop_capabilities(void) {
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) jail_fail("drop bounding cap %d", cap);
    }
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) jail_fail("capset");
    layers |= LAYER_CAPS;
}

/* P: the last steps before the program runs. */
static void exec_program(int out_fd, int err_fd, int key_fd, int proof_fd) {
    if (setsid() < 0) jail_fail("setsid");
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0) jail_fail("open /dev/null");
    /* Move everything to high numbers first, so the dup2 targets below cannot collide with a source. */
    int fds[5] = {null_fd, out_fd, err_fd, key_fd, proof_fd};
    for (int i = 0; i < 5; i++) {
        int moved = fcntl(fds[i], F_DUPFD, 100 + i);
        if (moved < 0) jail_fail("dup fd");
        fds[i] = moved;
    }
    for (int i = 0; i < 5; i++) {
        if (dup2(fds[i], i) < 0) jail_fail("dup2 %d", i);
    }
    /* Everything above 4 closes at execve (the status fd stays usable for setup errors until then). */
    if (syscall(SYS_close_range, 5, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) jail_fail("close_range");
    if (chdir("/work") != 0) jail_fail("chdir /work");
    /* A clean signal state: the mask and ignored dispositions survive execve, and the host process that started
     * the launcher (e.g. a Dispatch worker thread) may have blocked SIGALRM and friends, which would silently
     * disable a program's own alarm-based time limits (EvalPlus-style per-input timers). */
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) jail_fail("sigprocmask");
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        /* In a zygote, back to the interpreter's own dispositions (set up before any run, by our code). */
        if (cfg.zygote) sigaction(s, &zygote_sigs[s], NULL);
        else signal(s, SIG_DFL);
    }

    rlim_t mem = (rlim_t)cfg.mem_mb << 20;
    set_limit(RLIMIT_AS, mem, mem, "AS");
    set_limit(RLIMIT_CPU, (rlim_t)cfg.cpu_s, (rlim_t)cfg.cpu_s + 1, "CPU");
    set_limit(RLIMIT_FSIZE, (rlim_t)cfg.fsize_mb << 20, (rlim_t)cfg.fsize_mb << 20, "FSIZE");
    set_limit(RLIMIT_NOFILE, (rlim_t)cfg.nofile, (rlim_t)cfg.nofile, "NOFILE");
    set_limit(RLIMIT_NPROC, (rlim_t)cfg.nproc, (rlim_t)cfg.nproc, "NPROC");
    set_limit(RLIMIT_STACK, 8 << 20, 8 << 20, "STACK");
    set_limit(RLIMIT_CORE, 0, 0, "CORE");
    set_limit(RLIMIT_MEMLOCK, 0, 0, "MEMLOCK");
    set_limit(RLIMIT_MSGQUEUE, 0, 0, "MSGQUEUE");
    layers |= LAYER_RLIMITS;

    drop_capabilities();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) jail_fail("no_new_privs");
    layers |= LAYER_NNP;
    if (zygote_filter.len ? sandbox_load_exported(&zygote_filter) != 0 : sandbox_load_policy(cfg.standard_profile) != 0)
        jail_fail("seccomp rule %s", sandbox_policy_failure);
    layers |= LAYER_SECCOMP;

    if (cfg.zygote) {
        /* No execve to close the close-on-exec fds (the status pipe, anything of the launcher's): close every fd
         * above 4 now, for real. Only then does any Python run in this process. */
        if (syscall(SYS_close_range, 5, ~0U, 0) != 0) _exit(120);
        zygote_python_run("/work/main.py");
    }
    char *const argv[] = {(char *)cfg.python, "-I", "-S", "-B", "/work/main.py", NULL};
    execve(cfg.python, argv, program_env);
    _exit(127);
}

struct jail_fds {
    int prog_fd, out_fd, err_fd, key_fd, proof_fd;
};
/* G: pid 1 of the new namespace, running in C's memory until it exits. */
static int jail_init(void *arg) {
    const struct jail_fds *f = arg;
    int prog_fd = f->prog_fd, out_fd = f->out_fd, err_fd = f->err_fd, key_fd = f->key_fd, proof_fd = f->proof_fd;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) jail_fail("pdeathsig init");
    if (layers & LAYER_MOUNT) {
        build_root();
        if (sethostname("sandbox", 7) != 0) jail_fail("sethostname");
    } else {
        jail_fail("degraded mode without a mount namespace is not supported: refusing to run on the host filesystem");
    }
    {
        struct status_msg early;
        memset(&early, 0, sizeof early);
        early.kind = 2;
        early.layers = layers | LAYER_RLIMITS | LAYER_CAPS | LAYER_NNP | LAYER_SECCOMP;
        ssize_t wr = write(status_fd, &early, sizeof early);
        (void)wr;
    }
    receive_program(prog_fd);
    pid_t p = fork();
    if (p < 0) jail_fail("fork program");
    if (p == 0) exec_program(out_fd, err_fd, key_fd, proof_fd);  /* status_fd is close-on-exec */
    close(out_fd);
    close(err_fd);
    close(key_fd);
    close(proof_fd);
    /* Reap everything; P's status is the result. Orphans re-parented to us are reaped too. */
    int p_status = 0;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == p) { p_status = st; break; }
        if (w < 0 && errno != EINTR) break;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    struct status_msg m;
    memset(&m, 0, sizeof m);
    m.kind = 0;
    m.wait_status = p_status;
    m.cpu_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    m.max_rss_kb = ru.ru_maxrss;
    /* P's own layers (rlimits, caps, nnp, seccomp) are applied or P fails with 120 before exec. */
    m.layers = layers | LAYER_RLIMITS | LAYER_CAPS | LAYER_NNP | LAYER_SECCOMP;
    ssize_t wr = write(status_fd, &m, sizeof m);
    (void)wr;
    _exit(0);  /* pid 1 exits: the kernel kills anything still running in the namespace */
}

static void run_jail(int prog_fd, int out_fd, int err_fd, int key_fd, int proof_fd, uid_t host_uid) {
    /* C: join the run's cgroups while still privileged (G and P inherit them), become unprivileged on the host,
     * then create the namespaces (the new cgroup namespace is rooted at the run's group). */
    if (cgroups.version) {
        if (cgroups_join(&cgroups) != 0) jail_fail("join the run's cgroups");
        layers |= cgroups.version == 2 ? LAYER_CGROUP2 : LAYER_CGROUP1;
    }
    int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    gid_t host_gid = (gid_t)host_uid;
    if (getuid() == 0) {
        if (setgroups(0, NULL) != 0) jail_fail("setgroups");
        if (setresgid(host_gid, host_gid, host_gid) != 0) jail_fail("setresgid");
        if (setresuid(host_uid, host_uid, host_uid) != 0) jail_fail("setresuid");
    } else {
        host_uid = getuid();
        host_gid = getgid();
    }
    layers |= LAYER_UNPRIV;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) jail_fail("pdeathsig");
    if (getppid() == 1) _exit(121);  /* supervisor already gone */
    prctl(PR_SET_DUMPABLE, 1);
    if (unshare(flags) != 0) {
        if (!cfg.allow_degraded) jail_fail("unshare(user|mount|pid|net|ipc|uts|cgroup) failed (run with --allow-degraded to continue without namespaces)");
        /* Degraded: keep going with whatever namespaces we can get without a user namespace (none, unprivileged). */
    } else {
        layers |= LAYER_USER | LAYER_MOUNT | LAYER_PID | LAYER_NET | LAYER_IPC | LAYER_UTS | LAYER_CGROUPNS;
        char map[64];
        if (write_file("/proc/self/setgroups", "deny") != 0) jail_fail("setgroups deny");
        snprintf(map, sizeof map, "1000 %u 1", (unsigned)host_uid);
        if (write_file("/proc/self/uid_map", map) != 0) jail_fail("uid_map");
        snprintf(map, sizeof map, "1000 %u 1", (unsigned)host_gid);
        if (write_file("/proc/self/gid_map", map) != 0) jail_fail("gid_map");
    }
    /* G shares C's memory (CLONE_VM) and C is suspended until G exits (CLONE_VFORK): C only waits, so G needs no copy
     * of the launcher's address space (in a zygote, a whole initialised interpreter: the page-table copy at fork and
     * the teardown at exit were the biggest kernel cost of a run). G runs on its own stack and shares C's descriptor
     * table (CLONE_FILES), so the pipes G closes after forking P are closed for C too, and the supervisor sees the
     * program's output end as soon as P's copies are gone. P is a real fork: the only copy a run makes below C. */
    struct jail_fds fds = {prog_fd, out_fd, err_fd, key_fd, proof_fd};
    /* G must not run on C's stack. In a zygote, P (a fork of G) runs the program on this stack too, so it is as large
     * as a main thread's (RLIMIT_STACK, 8 MiB, set again in P) with a guard page below it: a runaway C recursion
     * faults instead of writing over other memory. Pages never touched cost nothing and are not copied by P's fork. */
    size_t stack_size = (size_t)8 << 20, guard = 4096;
    char *stack = mmap(NULL, stack_size + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                       -1, 0);
    if (stack == MAP_FAILED || mprotect(stack, guard, PROT_NONE) != 0) jail_fail("map the init stack");
    pid_t g = clone(jail_init, stack + guard + stack_size, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &fds);
    if (g < 0) jail_fail("clone init");
    /* G has exited (CLONE_VFORK); its descriptors, which were ours, are closed or die with us. */
    int st;
    while (waitpid(g, &st, 0) < 0 && errno == EINTR) {}
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 122);
}

/* ---------- supervisor side ---------- */

struct capture {
    int fd;
    char *buf;
    size_t len;
    int truncated;
};

static void capture_read(struct capture *c) {
    char tmp[65536];
    ssize_t n = read(c->fd, tmp, sizeof tmp);
    if (n <= 0) {
        close(c->fd);
        c->fd = -1;
        return;
    }
    size_t room = (size_t)cfg.out_cap > c->len ? (size_t)cfg.out_cap - c->len : 0;
    size_t take = (size_t)n < room ? (size_t)n : room;
    if (take) {
        memcpy(c->buf + c->len, tmp, take);
        c->len += take;
    }
    if ((size_t)n > take) c->truncated = 1;
}

/* JSON string from bytes: invalid UTF-8 becomes U+FFFD, control characters are escaped. */
static void json_bytes(FILE *f, const unsigned char *s, size_t n) {
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default:
                if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c); else fputc(c, f);
            }
            i++;
            continue;
        }
        int need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
        int ok = need > 0 && i + (size_t)need < n + 0 + 1 && i + (size_t)need <= n - 0;
        if (ok) {
            uint32_t cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
            for (int k = 1; k <= need; k++) {
                if (i + (size_t)k >= n || (s[i + k] & 0xC0) != 0x80) { ok = 0; break; }
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            if (ok && ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                       (cp >= 0xD800 && cp <= 0xDFFF))) ok = 0;
        }
        if (ok) {
            fwrite(s + i, 1, (size_t)need + 1, f);
            i += (size_t)need + 1;
        } else {
            fputs("\xEF\xBF\xBD", f);
            i++;
        }
    }
    fputc('"', f);
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The jail's parent C once forked (0 before, and again once reaped: never signal a pid we already waited for). */
static pid_t jail_pid = 0;

/* Kills a jail whose run will not happen (cancelled, or a supervisor-side error) and removes its cgroups. */
static void abandon_jail(void) {
    if (jail_pid > 0) {
        kill(jail_pid, SIGKILL);
        while (waitpid(jail_pid, NULL, 0) < 0 && errno == EINTR) {}
        jail_pid = 0;
    }
    cgroups_remove(&cgroups);
}

static char *read_program(size_t *out_len);

static void print_error_and_exit(const char *message, int layer_bits) {
    if (zygote_notify_fd >= 0 && !frame_done) {
        /* A zygote's launcher failed before its run began (its jail is built ahead of the frame): the verdict
         * belongs to the next frame on stdin, so take that frame first. Printing now would answer the run that is
         * still executing in another launcher. */
        frame_done = 1;
        size_t ignored;
        char *program = read_program(&ignored);
        if (!program) { abandon_jail(); _exit(4); }
        free(program);
        zygote_notify('F');
    }
    abandon_jail();
    printf("{\"sandbox_error\": ");
    json_bytes(stdout, (const unsigned char *)message, strlen(message));
    printf(", \"layers\": [");
    int first = 1;
    for (int b = 0; b < LAYER_COUNT; b++) if (layer_bits & (1 << b)) { printf("%s\"%s\"", first ? "" : ", ", layer_names[b]); first = 0; }
    printf("]");
    if (has_run_id) printf(", \"run_id\": %llu", run_id);
    printf("}\n");
    fflush(stdout);
    zygote_notify('V');
    _exit(3);
}

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads up to `want` bytes of stdin into buf; returns how many arrived before end of input. */
static size_t read_stdin(char *buf, size_t want) {
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(0, buf + got, want - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) print_error_and_exit("cannot read the program from stdin", 0);
        if (n == 0) break;
        got += (size_t)n;
    }
    return got;
}

/* The program text (capped at --max-program). Unframed: everything up to end of input. Framed: a header line
 * "<length> <timeout-ms> <cpu-s>\n" (the per-run limits that do not shape the jail, so one pre-spawned launcher
 * fits runs with different time limits), then exactly <length> bytes. NULL = the frame never came (cancelled). */
static char *read_program(size_t *out_len) {
    size_t cap = (size_t)cfg.max_program;
    if (zygote_turn_fd >= 0) {
        /* Wait until the launchers forked before us have taken their frames; end of file = shut down. */
        char turn;
        ssize_t n;
        while ((n = read(zygote_turn_fd, &turn, 1)) < 0 && errno == EINTR) {}
        if (n != 1) return NULL;
    }
    /* From here on an error answers this frame (a zygote's launcher must not try to read another one). */
    frame_done = 1;
    if (cfg.framed) {
        char line[96];
        size_t n = 0;
        for (;;) {
            if (n + 1 >= sizeof line) print_error_and_exit("malformed program frame header", 0);
            if (read_stdin(line + n, 1) != 1) return NULL;
            if (line[n] == '\n') break;
            n++;
        }
        line[n] = 0;
        unsigned long long length, id = 0;
        long timeout_ms, cpu_s;
        char extra;
        /* An optional fourth field is the caller's run id, echoed in the verdict ("run_id"): a zygote's caller
         * matches each verdict line to its run with it. */
        int fields = sscanf(line, "%llu %ld %ld %llu %c", &length, &timeout_ms, &cpu_s, &id, &extra);
        if (fields == 4) { has_run_id = 1; run_id = id; }
        if ((fields != 3 && fields != 4) || timeout_ms < 1 || timeout_ms > 3600000 || cpu_s < 1 || cpu_s > 3600)
            print_error_and_exit("malformed program frame header", 0);
        if (length > cap) print_error_and_exit("program larger than the 16 MiB limit", 0);
        cfg.timeout_ms = timeout_ms;
        cfg.cpu_s = cpu_s;
        char *program = malloc(length + 1);
        if (!program) print_error_and_exit("out of memory", 0);
        if (read_stdin(program, (size_t)length) != (size_t)length) { free(program); return NULL; }
        *out_len = (size_t)length;
        return program;
    }
    char *program = malloc(cap + 1);
    if (!program) print_error_and_exit("out of memory", 0);
    size_t len = read_stdin(program, cap + 1);
    if (len > cap) print_error_and_exit("program larger than the 16 MiB limit", 0);
    *out_len = len;
    return program;
}

static long parse_long(const char *name, const char *value, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || v < min || v > max) {
        fprintf(stderr, "codeeval-sandbox: invalid value for %s: %s (expected %ld..%ld)\n", name, value, min, max);
        exit(2);
    }
    return v;
}

static void usage(void) {
    fprintf(stderr,
            "usage: codeeval-sandbox [--timeout-ms N] [--cpu-s N] [--mem-mb N] [--fsize-mb N] [--nofile N]\n"
            "                        [--nproc N] [--output-cap BYTES] [--work-mb N] [--profile strict|standard]\n"
            "                        [--python PATH] [--cgroup-root DIR] [--allow-degraded] [--framed | --zygote [--no-snapshot]]\n"
            "                        < program.py\n"
            "       codeeval-sandbox [--python PATH] --zygote-check\n"
            "Runs the Python program read from stdin in a jail and prints one JSON result object. The jail is built\n"
            "before the program is read. --framed: stdin is \"<length> <timeout-ms> <cpu-s>\\n\" then the program;\n"
            "end of input before that = cancelled (exit 4, no output). --zygote: framed runs one after another, each\n"
            "header with a fourth field, the run id (echoed as \"run_id\"), one JSON verdict line per run, exit at end of input.\n"
            "--no-snapshot: the zygote keeps its memory anonymous (each fork copies its page tables; for A/B measurements).\n"
            "--zygote-check: prints \"ok\" (exit 0) if --zygote can run with this interpreter, else why not (exit 3).\n");
    exit(2);
}

static int launch(void);
static int zygote_serve(void);

int main(int argc, char **argv) {
    int zygote_check = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
        if (OPT("--timeout-ms")) cfg.timeout_ms = parse_long(a, v, 1, 3600000);
        else if (OPT("--cpu-s")) cfg.cpu_s = parse_long(a, v, 1, 3600);
        else if (OPT("--mem-mb")) cfg.mem_mb = parse_long(a, v, 16, 1 << 20);
        else if (OPT("--fsize-mb")) cfg.fsize_mb = parse_long(a, v, 0, 1 << 16);
        else if (OPT("--nofile")) cfg.nofile = parse_long(a, v, 8, 1 << 16);
        else if (OPT("--nproc")) cfg.nproc = parse_long(a, v, 1, 1 << 16);
        else if (OPT("--output-cap")) cfg.out_cap = parse_long(a, v, 0, 1L << 30);
        else if (OPT("--work-mb")) cfg.work_mb = parse_long(a, v, 1, 1 << 16);
        else if (OPT("--python")) cfg.python = v;
        else if (OPT("--cgroup-root")) cfg.cgroup_root = v;
        else if (OPT("--profile")) {
            if (strcmp(v, "strict") == 0) cfg.standard_profile = 0;
            else if (strcmp(v, "standard") == 0) cfg.standard_profile = 1;
            else usage();
        } else if (strcmp(a, "--allow-degraded") == 0) cfg.allow_degraded = 1;
        else if (strcmp(a, "--framed") == 0) cfg.framed = 1;
        else if (strcmp(a, "--zygote") == 0) cfg.zygote = cfg.framed = 1;
        else if (strcmp(a, "--zygote-check") == 0) zygote_check = 1;
        else if (strcmp(a, "--no-snapshot") == 0) cfg.no_snapshot = 1;
        else usage();
#undef OPT
    }
    signal(SIGPIPE, SIG_IGN);
    if (zygote_check) {
        /* Whether --zygote can work here (the caller's default depends on it): "ok", or the reason. */
        char err[400];
        if (zygote_python_check(cfg.python, err, sizeof err) != 0) { printf("%s\n", err); return 3; }
        printf("ok\n");
        return 0;
    }
    if (cfg.zygote) return zygote_serve();
    return launch();
}

/* One run: build the jail, read the program, run it, print the verdict (the per-run launcher's whole life, and a
 * zygote's per-run launcher's). */
static int launch(void) {
    /* Orphans of the run (once the jail's init is gone) are re-parented to us, not to the host's init. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    /* Proof of pass: a fresh random key readable once on fd 3; the harness's epilogue writes it to fd 4. */
    unsigned char *raw = proof_raw;
    char *key = proof_key;
    if (getrandom(raw, sizeof proof_raw, 0) != sizeof proof_raw) print_error_and_exit("getrandom failed", 0);
    for (int i = 0; i < 16; i++) snprintf(key + 2 * i, 3, "%02x", raw[i]);

    int out_p[2], err_p[2], key_p[2], proof_p[2], status_p[2], prog_p[2];
    if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) || pipe2(key_p, O_CLOEXEC) || pipe2(proof_p, O_CLOEXEC) ||
        pipe2(status_p, O_CLOEXEC) || pipe2(prog_p, O_CLOEXEC))
        print_error_and_exit("cannot create pipes", 0);
    if (write(key_p[1], key, 32) != 32) print_error_and_exit("cannot write the proof key", 0);
    close(key_p[1]);

    /* A per-run host uid keeps concurrent runs' RLIMIT_NPROC budgets apart. */
    uid_t host_uid = (uid_t)(200000 + (getpid() % 100000));

    /* Memory (no swap) and pids limits on the whole jail: C and G count as two of its pids. */
    char cgerr[300] = "";
    if (!cgroups_create(&cgroups, cfg.cgroup_root, (long long)cfg.mem_mb << 20, cfg.nproc + 2, cgerr, sizeof cgerr)) {
        if (!cfg.allow_degraded) {
            char message[400];
            snprintf(message, sizeof message, "cgroups unavailable: %s (run with --allow-degraded to continue without them)", cgerr);
            print_error_and_exit(message, 0);
        }
    }
    /* The whole jail is built now, before the program is known: this is the part a pre-spawned launcher does
     * while the pool's previous run still executes. */
    pid_t c = fork();
    if (c < 0) {
        cgroups_remove(&cgroups);
        print_error_and_exit("fork failed", 0);
    }
    if (c == 0) {
        /* The jail never needs the key (it reads it from the pipe) nor the zygote's pipe. */
        explicit_bzero(proof_raw, sizeof proof_raw);
        explicit_bzero(proof_key, sizeof proof_key);
        if (zygote_notify_fd >= 0) close(zygote_notify_fd);
        if (zygote_turn_fd >= 0) close(zygote_turn_fd);
        close(out_p[0]);
        close(err_p[0]);
        close(proof_p[0]);
        close(status_p[0]);
        close(prog_p[1]);
        /* The jail must not hold the launcher's stdin (the caller's program stream) nor its stdout and stderr (the
         * verdict stream: a zygote's carries the verdicts of every later run). The jail reports on the status pipe;
         * P gets its own pipes as 1 and 2. */
        int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0) _exit(124);
        close(null_fd);
        status_fd = status_p[1];
        run_jail(prog_p[0], out_p[1], err_p[1], key_p[0], proof_p[1], host_uid);
        _exit(123);
    }
    jail_pid = c;
    close(out_p[1]);
    close(err_p[1]);
    close(key_p[0]);
    close(proof_p[1]);
    close(status_p[1]);
    close(prog_p[0]);

    size_t len = 0;
    char *program = read_program(&len);
    if (!program) {  /* cancelled: the caller closed our stdin before sending a whole frame */
        abandon_jail();
        return 4;
    }
    zygote_notify('F');

    /* The run starts now: hand the program (and its CPU limit) to G. If G already failed, the write fails and the
     * status pipe carries G's setup error. */
    long start = now_ms();
    struct program_header header = {(uint64_t)len, (int64_t)cfg.cpu_s};
    if (write_all(prog_p[1], (const char *)&header, sizeof header) == 0) write_all(prog_p[1], program, len);
    close(prog_p[1]);
    free(program);

    struct capture out = {out_p[0], malloc((size_t)cfg.out_cap + 1), 0, 0};
    struct capture err = {err_p[0], malloc((size_t)cfg.out_cap + 1), 0, 0};
    struct capture proof = {proof_p[0], malloc(4096), 0, 0};
    long saved_cap = cfg.out_cap;
    /* The status pipe carries an early "layers" message, then the result (or a setup error). */
    struct status_msg msgs[3];
    memset(msgs, 0, sizeof msgs);
    size_t msg_len = 0;
    int status_open = 1, timed_out = 0;
    long deadline = start + cfg.timeout_ms;
    while (out.fd >= 0 || err.fd >= 0 || status_open || proof.fd >= 0) {
        struct pollfd pf[4];
        int nf = 0;
        int idx_out = -1, idx_err = -1, idx_status = -1, idx_proof = -1;
        if (out.fd >= 0) { idx_out = nf; pf[nf++] = (struct pollfd){out.fd, POLLIN, 0}; }
        if (err.fd >= 0) { idx_err = nf; pf[nf++] = (struct pollfd){err.fd, POLLIN, 0}; }
        if (status_open) { idx_status = nf; pf[nf++] = (struct pollfd){status_p[0], POLLIN, 0}; }
        if (proof.fd >= 0) { idx_proof = nf; pf[nf++] = (struct pollfd){proof.fd, POLLIN, 0}; }
        long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            kill(c, SIGKILL);
            break;
        }
        int r = poll(pf, (nfds_t)nf, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        if (idx_out >= 0 && pf[idx_out].revents) capture_read(&out);
        if (idx_err >= 0 && pf[idx_err].revents) capture_read(&err);
        if (idx_proof >= 0 && pf[idx_proof].revents) {
            cfg.out_cap = 4096;
            capture_read(&proof);
            cfg.out_cap = saved_cap;
        }
        if (idx_status >= 0 && pf[idx_status].revents) {
            ssize_t n = read(status_p[0], (char *)msgs + msg_len, sizeof msgs - msg_len);
            if (n <= 0) { status_open = 0; close(status_p[0]); }
            else msg_len += (size_t)n;
        }
        /* The program's output has ended and G has reported (P's status, or a setup error): that is the whole
         * verdict. G and C exit on their own right after; they are reaped (and the groups emptied) once the verdict
         * is out, instead of before. */
        int final = 0;
        for (size_t k = 0; k < msg_len / sizeof(struct status_msg); k++) final |= msgs[k].kind == 0 || msgs[k].kind == 1;
        if (final && out.fd < 0 && err.fd < 0 && proof.fd < 0) break;
    }
    long wall = now_ms() - start;
    long oom_kills = cgroups_oom_kills(&cgroups);
    if (out.fd >= 0) close(out.fd);
    if (err.fd >= 0) close(err.fd);
    if (proof.fd >= 0) close(proof.fd);

    size_t count = msg_len / sizeof(struct status_msg);
    struct status_msg msg;
    memset(&msg, 0, sizeof msg);
    int established = 0;
    for (size_t k = 0; k < count; k++) {
        if (msgs[k].kind == 1) print_error_and_exit(msgs[k].error, msgs[k].layers);
        if (msgs[k].kind == 2) established = msgs[k].layers;
        if (msgs[k].kind == 0) msg = msgs[k];
    }
    if (!timed_out && (count == 0 || msgs[count - 1].kind != 0))
        print_error_and_exit("the jail ended without reporting a status", established);

    int exit_code = -1, sig = 0;
    if (!timed_out) {
        if (WIFEXITED(msg.wait_status)) exit_code = WEXITSTATUS(msg.wait_status);
        else if (WIFSIGNALED(msg.wait_status)) sig = WTERMSIG(msg.wait_status);
    }
    int proof_ok = proof.len == 32 && memcmp(proof.buf, key, 32) == 0;
    printf("{\"exit_code\": %d, \"signal\": %d, \"timed_out\": %s, \"wall_ms\": %ld, \"cpu_ms\": %ld, "
           "\"max_rss_kb\": %ld, \"proof\": %s, \"stdout_truncated\": %s, \"stderr_truncated\": %s, \"stdout\": ",
           exit_code, sig, timed_out ? "true" : "false", wall, timed_out ? -1 : msg.cpu_us / 1000,
           timed_out ? -1 : msg.max_rss_kb, proof_ok ? "true" : "false", out.truncated ? "true" : "false",
           err.truncated ? "true" : "false");
    json_bytes(stdout, (unsigned char *)out.buf, out.len);
    printf(", \"stderr\": ");
    json_bytes(stdout, (unsigned char *)err.buf, err.len);
    printf(", \"oom_killed\": %s", oom_kills > 0 ? "true" : "false");
    printf(", \"host_uid\": %u, \"profile\": \"%s\", \"layers\": [", (unsigned)host_uid, cfg.standard_profile ? "standard" : "strict");
    int bits = timed_out ? established : msg.layers;
    int first = 1;
    for (int b = 0; b < LAYER_COUNT; b++) if (bits & (1 << b)) { printf("%s\"%s\"", first ? "" : ", ", layer_names[b]); first = 0; }
    printf("]");
    if (has_run_id) printf(", \"run_id\": %llu", run_id);
    printf(", \"zygote\": %s}\n", cfg.zygote ? "true" : "false");
    fflush(stdout);
    zygote_notify('V');
    /* The verdict is final (the OOM counter was read above): hand it over now by closing our stdout and stderr,
     * then kill whatever is left in the run's groups and remove them. rmdir needs cgroup_mutex, which another
     * launcher's cgroup migration can hold for a whole RCU grace period (~11 ms); the caller need not wait for
     * that, only reap us. Nothing of the run can act any more: its pid 1 is gone, so the kernel is killing the
     * rest of its pid namespace, and cgroups_remove SIGKILLs any member still there before removing the groups. */
    fclose(stdout);
    close(2);
    int cst;
    while (waitpid(c, &cst, 0) < 0 && errno == EINTR) {}
    jail_pid = 0;
    cgroups_remove(&cgroups);
    return 0;
}

/* ---------- zygote ---------- */

/* Writes one sandbox_error line for the caller (the zygote's own failures and launchers that died mid-run). */
static void zygote_report(const char *message, int with_id, unsigned long long id) {
    char line[600];
    int n = snprintf(line, sizeof line, "{\"sandbox_error\": \"zygote: %s\", \"layers\": []", message);
    if (with_id) n += snprintf(line + n, sizeof line - (size_t)n, ", \"run_id\": %llu", id);
    n += snprintf(line + n, sizeof line - (size_t)n, "}\n");
    if (write_all(1, line, (size_t)n) != 0) _exit(3);
}

struct zygote_child {
    pid_t pid;
    int fd;        /* read end of its notify pipe; end of file = it exited */
    int turn_fd;   /* write end of its turn pipe (-1 once its turn was given or it is gone) */
    int has_turn;  /* it may read the next frame */
    int framed;    /* it read its frame: it owns a run */
    int answered;  /* it printed that run's verdict */
    unsigned long long run_id;
};

/* Launchers built ahead of the frames. One hides a jail's set-up behind the run before it, when that set-up is a few
 * milliseconds of CPU, as on cgroup v1 (the jail joins its groups through `tasks`, cgroup.c); more would only be torn
 * down unused at the end (measured: 696 ms with one against 717 ms with three for HumanEval's 164 programs). Joining a
 * v2 group goes through cgroup.procs, which waits for an RCU grace period (~11 ms, longer than a short run), so
 * there a few more keep a worker from waiting for its next jail. */
enum { ZYGOTE_AHEAD_V1 = 1, ZYGOTE_AHEAD_V2 = 3, ZYGOTE_MAX_CHILDREN = 16 };

/* Forks the launcher for a later run. It builds its jail at once, waits for its turn, then reads its frame from our
 * stdin, which nobody else reads: the zygote itself never sees a program, so no run's text is ever in the memory
 * that later runs inherit. */
static int zygote_fork(struct zygote_child *k, pid_t zygote) {
    int p[2], t[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    if (pipe2(t, O_CLOEXEC) != 0) { close(p[0]); close(p[1]); return -1; }
    pid_t pid = fork();
    if (pid < 0) { close(p[0]); close(p[1]); close(t[0]); close(t[1]); return -1; }
    if (pid == 0) {
        close(p[0]);
        close(t[1]);
        /* A launcher never outlives its zygote (whose caller is gone then). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != zygote) _exit(1);
        zygote_notify_fd = p[1];
        zygote_turn_fd = t[0];
        int rc = launch();
        fflush(stdout);
        _exit(rc);
    }
    close(p[1]);
    close(t[0]);
    *k = (struct zygote_child){pid, p[0], t[1], 0, 0, 0, 0};
    return 0;
}

/* The zygote (--zygote): initialises the interpreter once, then keeps one or three launchers ahead of the caller's
 * frames. Every run still gets its own launcher process, cgroups, host uid, namespaces, root filesystem, rlimits,
 * capability drop, no_new_privs and seccomp filter (launch() above, unchanged); the program process then runs the
 * program in the interpreter it inherited through fork instead of exec'ing a new one. The zygote runs no candidate
 * code, reads no program, holds no key: it only forks launchers, hands out turns and watches them. If a launcher
 * that owns a run dies without a verdict, the zygote answers that run with a sandbox_error; if anything else goes
 * wrong it reports and exits (the caller restarts it). Exits 0 when its stdin ends (the caller shut it down). */
static int zygote_serve(void) {
    /* A clean signal state before the interpreter sets up its own (whatever our caller blocked or ignored must not
     * reach the runs: their dispositions are snapshotted after the initialisation), and the environment the
     * interpreter reads once, at initialisation: the same one execve would pass. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    }
    signal(SIGPIPE, SIG_IGN);
    clearenv();
    for (int i = 0; program_env[i]; i++) putenv(program_env[i]);
    char err[300];
    if (zygote_python_init(cfg.python, err, sizeof err) != 0) {
        zygote_report(err, 0, 0);
        return 3;
    }
    for (int s = 1; s < NSIG; s++) sigaction(s, NULL, &zygote_sigs[s]);
    /* Building the filter with libseccomp costs more CPU than many a run; build it once, before any run. */
    if (sandbox_export_policy(cfg.standard_profile, &zygote_filter) != 0) {
        snprintf(err, sizeof err, "cannot build the seccomp filter: %s", sandbox_policy_failure);
        zygote_report(err, 0, 0);
        return 3;
    }
    /* Last, once nothing more is initialised: the memory every run inherits moves into a sealed memfd (snapshot.c),
     * so forking a launcher stops copying the interpreter's page tables. If that cannot be done the zygote works as
     * before, only slower. */
    int learn = 0;
    if (!cfg.no_snapshot) {
        if (zygote_snapshot(err, sizeof err) < 0) fprintf(stderr, "codeeval-sandbox: %s\n", err);
        else learn = 1;
    }
    pid_t self = getpid();
    const int zygote_ahead = cgroups_version(cfg.cgroup_root) == 2 ? ZYGOTE_AHEAD_V2 : ZYGOTE_AHEAD_V1;
    struct zygote_child kids[ZYGOTE_MAX_CHILDREN];
    int nk = 0, stopping = 0;
    for (;;) {
        /* Keep launchers ahead, and give the turn to the oldest one waiting if nobody holds it. */
        int ahead = 0, turn_held = 0;
        for (int i = 0; i < nk; i++) {
            if (!kids[i].framed) ahead++;
            if (kids[i].has_turn && !kids[i].framed) turn_held = 1;
        }
        while (!stopping && ahead < zygote_ahead && nk < ZYGOTE_MAX_CHILDREN) {
            if (zygote_fork(&kids[nk], self) != 0) {
                zygote_report("cannot fork a launcher", 0, 0);
                stopping = 1;
                break;
            }
            nk++;
            ahead++;
        }
        for (int i = 0; i < nk && !turn_held && !stopping; i++) {
            if (kids[i].framed || kids[i].has_turn) continue;
            if (write_all(kids[i].turn_fd, "t", 1) != 0) { zygote_report("cannot hand out a turn", 0, 0); stopping = 1; }
            kids[i].has_turn = 1;
            close(kids[i].turn_fd);
            kids[i].turn_fd = -1;
            turn_held = 1;
        }
        if (learn) {
            /* Which pages runs write (snapshot.c), learnt once the first launchers exist: their jails (whose
             * cgroup migration waits for an RCU grace period) are built meanwhile, and the first of them already
             * holds the turn. They were forked before it, so only later launchers' runs prefault. */
            learn = 0;
            if (zygote_learn_hot_pages(zygote_python_warmup, err, sizeof err) < 0) fprintf(stderr, "codeeval-sandbox: %s\n", err);
        }
        if (stopping) {
            /* Launchers still waiting for a turn see end of file and tear their jails down (exit 4). */
            for (int i = 0; i < nk; i++) if (kids[i].turn_fd >= 0) { close(kids[i].turn_fd); kids[i].turn_fd = -1; }
        }
        if (nk == 0) break;
        struct pollfd pf[ZYGOTE_MAX_CHILDREN];
        for (int i = 0; i < nk; i++) pf[i] = (struct pollfd){kids[i].fd, POLLIN, 0};
        if (poll(pf, (nfds_t)nk, -1) < 0) {
            if (errno == EINTR) continue;
            zygote_report("poll failed", 0, 0);
            return 3;
        }
        for (int i = 0; i < nk; i++) {
            if (!pf[i].revents) continue;
            struct zygote_child *k = &kids[i];
            struct zygote_msg m;
            ssize_t n = read(k->fd, &m, sizeof m);
            if (n < 0 && errno == EINTR) continue;
            if (n == (ssize_t)sizeof m) {
                if (m.kind == 'F' && k->has_turn && !k->framed) {
                    k->framed = 1;
                    k->run_id = m.run_id;
                } else if (m.kind == 'V') {
                    k->answered = 1;
                }
                continue;
            }
            /* End of file (or a short read, which a launcher never sends): the launcher exited. */
            int st = 0;
            while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR) {}
            close(k->fd);
            k->fd = -1;
            if (k->turn_fd >= 0) close(k->turn_fd);
            k->turn_fd = -1;
            if (k->framed && !k->answered) {
                char message[160];
                snprintf(message, sizeof message, "the run's launcher ended without a verdict (%s %d)",
                         WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
                zygote_report(message, 1, k->run_id);
            } else if (!k->framed && !stopping) {
                /* Exit 4 = it saw the end of our stdin (shut down). Anything else, before its run: the frame
                 * stream may be out of step (if it held the turn) or the host is failing; stop, and the caller
                 * starts a fresh zygote. */
                if (!(WIFEXITED(st) && WEXITSTATUS(st) == 4) && !k->answered)
                    zygote_report("a launcher died before its run", 0, 0);
                stopping = 1;
            }
        }
        int kept = 0;
        for (int i = 0; i < nk; i++) if (kids[i].fd >= 0) kids[kept++] = kids[i];
        nk = kept;
    }
    return 0;
}
