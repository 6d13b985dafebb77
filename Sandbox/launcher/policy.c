/*
 * The seccomp policy: an allow-list of what CPython 3.11 needs for HumanEval/MBPP-style programs.
 *
 * Default action for anything not listed: EPERM, so Python raises PermissionError and the test fails
 * normally. A short list of calls that no test program has a reason to make kills the process (SIGSYS,
 * reported as "violation"). Calls for any other architecture (x32, i386) kill the process too.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <termios.h>
#include "policy.h"

static const char *allowed[] = {
    /* files and I/O */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "open", "openat", "close",
    "close_range", "dup", "dup2", "dup3", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "getdents64", "lseek", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "fcntl", "mkdir", "mkdirat",
    "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
    "chmod", "fchmod", "fchmodat", "getcwd", "chdir", "fchdir", "truncate", "ftruncate", "fsync", "fdatasync",
    "umask", "pipe", "pipe2", "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "eventfd", "eventfd2", "sendfile", "copy_file_range", "fadvise64", "utimensat",
    "flock", "memfd_create", "timerfd_create", "timerfd_settime", "timerfd_gettime",
    /* memory */
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync", "mincore", "get_mempolicy",
    /* threads, signals, scheduling */
    "futex", "set_robust_list", "get_robust_list", "set_tid_address", "rseq", "arch_prctl", "sched_yield",
    "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
    "membarrier", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigpending", "sigaltstack", "restart_syscall", "kill", "tgkill", "tkill", "getcpu",
    "setitimer", "getitimer", "alarm",
    /* identity and information */
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
    "getresgid", "getpgrp", "getpgid", "getsid", "setsid", "uname", "sysinfo", "getrandom", "getrlimit",
    "prlimit64", "getrusage", "times",
    /* time */
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    /* exit, exec, wait (execve is needed for the launcher's own exec; it stays under this filter) */
    "exit", "exit_group", "execve", "wait4", "waitid",
};

static const char *killed[] = {
    "ptrace", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf", "perf_event_open", "keyctl",
    "add_key", "request_key", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "process_vm_readv", "process_vm_writev", "personality", "swapon", "swapoff", "acct", "quotactl",
    "open_by_handle_at", "name_to_handle_at", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree",
    "mount_setattr", "pidfd_getfd", "kcmp", "lookup_dcookie", "vhangup", "iopl", "ioperm", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "mknod", "mknodat",
};

static const unsigned long safe_ioctls[] = {TCGETS, TIOCGWINSZ, FIONREAD, FIOCLEX, FIONCLEX, FIONBIO};

/* A policy being built, and the first rule libseccomp refused. */
struct builder {
    scmp_filter_ctx ctx;
    const char **failure;
};

static int add(struct builder *b, uint32_t action, const char *name, unsigned count, const struct scmp_arg_cmp *args) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return 0;  /* not on this architecture */
    int rc = seccomp_rule_add_array(b->ctx, action, nr, count, args);
    if (rc != 0 && !**b->failure) *b->failure = name;
    return rc;
}

/* The whole policy as a libseccomp context (NULL on failure, with *failure set). */
static scmp_filter_ctx build_policy(int standard, const char **failure) {
    *failure = "";
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx) return NULL;
    struct builder policy = {ctx, failure};
    int rc = 0;
    /* A call from another ABI kills the whole process, not just the thread (libseccomp's default is the thread). */
    rc |= seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    /* The syscall checks as a binary tree instead of a list: the same policy, but attaching it costs less. At attach
     * time the kernel walks the filter once per syscall number and architecture to find the calls it may allow
     * without running it (the seccomp action cache), and a tree's paths are short, although the tree has more
     * instructions. Every run attaches the filter once (Sandbox/bench/seccomp_attach.c times the attach). */
    rc |= seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) rc |= add(&policy, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
    for (size_t i = 0; i < sizeof killed / sizeof *killed; i++) rc |= add(&policy, SCMP_ACT_KILL_PROCESS, killed[i], 0, NULL);

    /* ioctl: terminal queries and fd flags only (no TIOCSTI, no device ioctls). Compare the low 32 bits. */
    for (size_t i = 0; i < sizeof safe_ioctls / sizeof *safe_ioctls; i++) {
        struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFUL, safe_ioctls[i]);
        rc |= add(&policy, SCMP_ACT_ALLOW, "ioctl", 1, &a);
    }
    /* prctl: only thread names (CPython names threads). */
    {
        struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, 15 /* PR_SET_NAME */);
        struct scmp_arg_cmp b = SCMP_A0(SCMP_CMP_EQ, 16 /* PR_GET_NAME */);
        rc |= add(&policy, SCMP_ACT_ALLOW, "prctl", 1, &a);
        rc |= add(&policy, SCMP_ACT_ALLOW, "prctl", 1, &b);
    }
    /* clone3 cannot have its flags inspected (they live in memory): make glibc fall back to clone. */
    rc |= add(&policy, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* socket/socketpair: no network in either profile; EPERM (the default) is what Python reports. */
    const unsigned long ns_flags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                                   CLONE_NEWUTS | CLONE_NEWCGROUP;
    if (standard) {
        /* Processes are allowed inside the namespace, but no new namespaces. */
        struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags, 0);
        rc |= add(&policy, SCMP_ACT_ALLOW, "clone", 1, &a);
        rc |= add(&policy, SCMP_ACT_ALLOW, "fork", 0, NULL);
        rc |= add(&policy, SCMP_ACT_ALLOW, "vfork", 0, NULL);
        rc |= add(&policy, SCMP_ACT_ALLOW, "setpgid", 0, NULL);
        rc |= add(&policy, SCMP_ACT_ALLOW, "execveat", 0, NULL);
    } else {
        /* Threads only: clone must carry CLONE_THREAD (and no namespace flags). */
        /* One masked compare (libseccomp allows one per argument): THREAD set, every namespace flag clear. */
        struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | ns_flags, CLONE_THREAD);
        rc |= add(&policy, SCMP_ACT_ALLOW, "clone", 1, &a);
    }
    if (rc != 0) {
        seccomp_release(ctx);
        return NULL;
    }
    return ctx;
}

int sandbox_load_policy(int standard, const char **failure) {
    scmp_filter_ctx ctx = build_policy(standard, failure);
    if (!ctx) return -1;
    int rc = seccomp_load(ctx);
    if (rc != 0) *failure = "seccomp_load";
    seccomp_release(ctx);
    return rc == 0 ? 0 : -1;
}

int sandbox_export_policy(int standard, struct sock_fprog *out, const char **failure) {
    scmp_filter_ctx ctx = build_policy(standard, failure);
    if (!ctx) return -1;
    /* libseccomp writes the program to a descriptor; read it back from a memory file. */
    int fd = memfd_create("codeeval-seccomp", MFD_CLOEXEC);
    int rc = fd < 0 ? -1 : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    struct stat st;
    if (rc != 0 || fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        *failure = "seccomp_export_bpf";
        if (fd >= 0) close(fd);
        return -1;
    }
    struct sock_filter *insns = malloc((size_t)st.st_size);
    if (!insns || pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
        *failure = "seccomp_export_bpf";
        free(insns);
        close(fd);
        return -1;
    }
    close(fd);
    out->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    out->filter = insns;
    return 0;
}

int sandbox_load_exported(const struct sock_fprog *prog, const char **failure) {
    if (syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, prog) != 0) {
        *failure = "seccomp(SECCOMP_SET_MODE_FILTER)";
        return -1;
    }
    return 0;
}
