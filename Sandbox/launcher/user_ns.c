/* The run's identity: a per-run unprivileged host uid, and inside the user namespace uid/gid 1000 mapped to it. */
#include <grp.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "io.h"
#include "jail.h"

/* C, before the namespaces: a per-run host uid keeps concurrent runs' RLIMIT_NPROC budgets apart, and makes
 * RLIMIT_NPROC apply at all when the launcher runs as root ("per_run_uid" and "per_run_nproc" in the verdict). Not
 * root: the launcher's own ids are the run's, shared with every other run and the caller ("unprivileged_uid"; the
 * budget is still the run's own where the kernel counts it per user namespace, user_ns_map_ids). */
void user_ns_unprivileged(struct jail *j) {
    j->host_gid = (gid_t)j->host_uid;
    if (getuid() == 0) {
        if (setgroups(0, NULL) != 0) jail_fail(j, "setgroups");
        if (setresgid(j->host_gid, j->host_gid, j->host_gid) != 0) jail_fail(j, "setresgid");
        if (setresuid(j->host_uid, j->host_uid, j->host_uid) != 0) jail_fail(j, "setresuid");
        j->layers |= LAYER_RUN_UID | LAYER_RUN_NPROC;
    } else {
        j->host_uid = getuid();
        j->host_gid = getgid();
    }
    j->layers |= LAYER_UNPRIV;
}

/* Linux 5.14 and later count RLIMIT_NPROC per user namespace and uid (ucounts): a run's processes, all in the run's
 * own user namespace, count against its own limit only, and the processes of the host uid outside it (the service,
 * other runs) do not count against it. Older kernels count per host uid alone. */
static int nproc_counted_per_user_ns(void) {
    struct utsname u;
    int major = 0, minor = 0;
    if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) return 0;
    return major > 5 || (major == 5 && minor >= 14);
}

/* C, in its new user namespace: 1000 inside is the host uid and gid. setgroups is denied first: the kernel requires
 * it before an unprivileged process writes its gid_map. The run's process limit is its own ("per_run_nproc") with a
 * per-run host uid, or, under a shared uid, where the kernel counts it per user namespace. */
void user_ns_map_ids(struct jail *j) {
    char map[64];
    if (write_text("/proc/self/setgroups", "deny") != 0) jail_fail(j, "setgroups deny");
    snprintf(map, sizeof map, "1000 %u 1", (unsigned)j->host_uid);
    if (write_text("/proc/self/uid_map", map) != 0) jail_fail(j, "uid_map");
    snprintf(map, sizeof map, "1000 %u 1", (unsigned)j->host_gid);
    if (write_text("/proc/self/gid_map", map) != 0) jail_fail(j, "gid_map");
    if (nproc_counted_per_user_ns()) j->layers |= LAYER_RUN_NPROC;
}
