/*
 * C, the jail's parent: a fork of the supervisor that joins the run's cgroups (while still root), becomes a per-run
 * unprivileged host uid (user_ns.c), enters the namespaces and clones the jail's pid 1, G (jail_init.c).
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Every namespace a run gets, in one unshare by C (as the new user namespace's owner, after the id switch):
 *   user    inside uid/gid 1000 maps to the per-run host uid/gid, setgroups denied (user_ns.c);
 *   mount   the jail's own root filesystem (mount_ns.c, built by G);
 *   pid     G is its pid 1: when G exits the kernel kills everything left in it (jail_init.c);
 *   net     nothing to configure: the new namespace has only a loopback interface, down, so no network at all;
 *   ipc     no System V IPC or POSIX message queue shared with the host or other runs;
 *   uts     its own hostname, "sandbox" (set by G);
 *   cgroup  rooted at the run's group, so the jail sees no other group. */
#define JAIL_NAMESPACES (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
#define JAIL_NAMESPACE_LAYERS (LAYER_USER | LAYER_MOUNT | LAYER_PID | LAYER_NET | LAYER_IPC | LAYER_UTS | LAYER_CGROUPNS)

void jail_fail(const struct jail *j, const char *fmt, ...) {
    struct status_msg m;
    memset(&m, 0, sizeof m);
    m.kind = 1;
    m.layers = j->layers;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.error, sizeof m.error, fmt, ap);
    va_end(ap);
    size_t len = strlen(m.error);
    if (len + 3 < sizeof m.error) snprintf(m.error + len, sizeof m.error - len, ": %s", strerror(errno));
    if (j->status_fd >= 0) { ssize_t w = write(j->status_fd, &m, sizeof m); (void)w; }
    _exit(120);
}

void jail_run(struct jail *j) {
    /* Join the run's cgroups while still privileged (G and P inherit them), become unprivileged on the host, then
     * create the namespaces (the new cgroup namespace is rooted at the run's group). */
    if (j->cgroups->version) {
        if (cgroups_join(j->cgroups) != 0) jail_fail(j, "join the run's cgroups");
        j->layers |= j->cgroups->version == 2 ? LAYER_CGROUP2 : LAYER_CGROUP1;
    }
    user_ns_unprivileged(j);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) jail_fail(j, "pdeathsig");
    if (getppid() == 1) _exit(121);  /* supervisor already gone */
    prctl(PR_SET_DUMPABLE, 1);  /* back to dumpable, or C could not write its own id maps */
    if (unshare(JAIL_NAMESPACES) != 0) {
        if (!j->cfg->allow_degraded)
            jail_fail(j, "unshare(user|mount|pid|net|ipc|uts|cgroup) failed (run with --allow-degraded to continue without namespaces)");
        /* Degraded: keep going with whatever namespaces we can get without a user namespace (none, unprivileged). */
    } else {
        j->layers |= JAIL_NAMESPACE_LAYERS;
        user_ns_map_ids(j);
    }
    /* G shares C's memory (CLONE_VM) and C is suspended until G exits (CLONE_VFORK): C only waits, so G needs no copy
     * of the launcher's address space (in a zygote, a whole initialised interpreter: the page-table copy at fork and
     * the teardown at exit were the biggest kernel cost of a run). G runs on its own stack and shares C's descriptor
     * table (CLONE_FILES), so the pipes G closes after forking P are closed for C too, and the supervisor sees the
     * program's output end as soon as P's copies are gone. P is a real fork: the only copy a run makes below C.
     * G must not run on C's stack. In a zygote, P (a fork of G) runs the program on this stack too, so it is as large
     * as a main thread's (RLIMIT_STACK, 8 MiB, set again in P) with a guard page below it: a runaway C recursion
     * faults instead of writing over other memory. Pages never touched cost nothing and are not copied by P's fork. */
    size_t stack_size = (size_t)8 << 20, guard = 4096;
    char *stack = mmap(NULL, stack_size + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                       -1, 0);
    if (stack == MAP_FAILED || mprotect(stack, guard, PROT_NONE) != 0) jail_fail(j, "map the init stack");
    pid_t g = clone(jail_init, stack + guard + stack_size, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, j);
    if (g < 0) jail_fail(j, "clone init");
    /* G has exited (CLONE_VFORK); its descriptors, which were ours, are closed or die with us. */
    int st;
    while (waitpid(g, &st, 0) < 0 && errno == EINTR) {}
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 122);
}
