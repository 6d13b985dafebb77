#ifndef CODEEVAL_SANDBOX_JAIL_H
#define CODEEVAL_SANDBOX_JAIL_H
/* The jail side of a run: its parent C (jail.c), its pid 1 G (jail_init.c) and the program process P (program.c),
 * and the layers they apply (user_ns.c, mount_ns.c, rlimits.c, caps.c; cgroup.c and policy.c). */
#include <linux/filter.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"

/* The isolation layers a run got, reported in the verdict's "layers" (names in report.c, in bit order). */
enum {
    LAYER_USER = 1 << 0, LAYER_PID = 1 << 1, LAYER_NET = 1 << 2, LAYER_MOUNT = 1 << 3, LAYER_IPC = 1 << 4,
    LAYER_UTS = 1 << 5, LAYER_CGROUPNS = 1 << 6, LAYER_PIVOT = 1 << 7, LAYER_RLIMITS = 1 << 8,
    LAYER_NNP = 1 << 9, LAYER_SECCOMP = 1 << 10, LAYER_CAPS = 1 << 11, LAYER_UNPRIV = 1 << 12,
    LAYER_CGROUP1 = 1 << 13, LAYER_CGROUP2 = 1 << 14, LAYER_RUN_UID = 1 << 15, LAYER_RUN_NPROC = 1 << 16,
    LAYER_COUNT = 17,
};
/* P's own layers: applied before the program runs, or P exits 120 with a setup error. */
enum { LAYERS_OF_PROGRAM = LAYER_RLIMITS | LAYER_CAPS | LAYER_NNP | LAYER_SECCOMP };

/* What the supervisor sends G on the program pipe before the program text. */
struct program_header {
    uint64_t length;
    int64_t cpu_s;
};

/* What the jail reports to the supervisor on the status pipe. */
struct status_msg {
    int kind;          /* 0 = result, 1 = setup error, 2 = the layers established before the program arrives */
    int wait_status;   /* P's wait status */
    long cpu_us;
    long max_rss_kb;
    int layers;        /* bit set of LAYER_* that were applied */
    char error[200];
};

/* What a zygote sets up once, before any run, for every run's program process (zygote.c). */
struct zygote_image {
    /* The initialised interpreter's signal dispositions (SIGINT raises KeyboardInterrupt, SIGPIPE and SIGXFSZ
     * ignored, so a broken pipe or a file over RLIMIT_FSIZE is an OSError): what a new python3 sets up. */
    struct sigaction sigs[NSIG];
    /* The seccomp filter, built once instead of with libseccomp per run. */
    struct sock_fprog filter;
};

/* One run's jail, built by the supervisor's fork C and shared (CLONE_VM) with G; P gets a copy at its fork. */
struct jail {
    struct config *cfg;
    const struct run_cgroups *cgroups;   /* version 0: none (degraded) */
    const struct zygote_image *zygote;   /* NULL in a per-run launcher */
    int status_fd;                       /* write end of the status pipe */
    int layers;                          /* LAYER_* applied so far */
    int prog_fd, out_fd, err_fd, key_fd, proof_fd;  /* the jail's ends of the supervisor's pipes */
    uid_t host_uid;   /* the run's unprivileged host ids: the per-run uid, and a gid of the same number */
    gid_t host_gid;   /* (user_ns.c; the launcher's own ids when it is not root) */
};

/* Reports a setup failure (message, then ": " and strerror(errno)) on the status pipe and exits 120; the supervisor
 * turns it into sandbox_error. */
void jail_fail(const struct jail *j, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* C (jail.c): joins the cgroups, becomes unprivileged, enters the namespaces and runs G until it exits. */
void jail_run(struct jail *j) __attribute__((noreturn));
/* G (jail_init.c): pid 1 of the jail; `arg` is the struct jail. */
int jail_init(void *arg);
/* P (program.c): the last layers, then the program. */
void program_exec(struct jail *j) __attribute__((noreturn));
/* The program's environment (execve's envp; in a zygote, the environment the interpreter is initialised with). */
extern char *const program_env[];

/* user_ns.c */
void user_ns_unprivileged(struct jail *j);
void user_ns_map_ids(struct jail *j);
/* mount_ns.c */
void mount_ns_build_root(struct jail *j);
/* rlimits.c */
void rlimits_apply(struct jail *j);
/* caps.c */
void caps_drop(struct jail *j);
#endif
