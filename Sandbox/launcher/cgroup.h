#ifndef CODEEVAL_SANDBOX_CGROUP_H
#define CODEEVAL_SANDBOX_CGROUP_H
/* Per-run cgroups: a memory limit (swap 0) and a pids limit on the whole jail, created by the supervisor under
 * the launcher's own cgroup, joined by the jail before it drops privileges, killed and removed after the run. */
struct run_cgroups {
    int version;     /* 0 = none, 1 = v1 (memory + pids hierarchies), 2 = unified */
    char mem[512];   /* v2: the one group; v1: the memory group */
    char pids[512];  /* v1 only */
};

/* Detects the cgroup layout under `root` (normally /sys/fs/cgroup) and creates the run's groups with the
 * limits. Returns 1 on success; 0 with a reason in `err` when cgroups are unavailable or not delegated to us. */
int cgroups_create(struct run_cgroups *cg, const char *root, long long mem_bytes, long pids, char *err, size_t errlen);
/* The layout cgroups_create would use under `root`: 2 (unified), 1 (v1 memory + pids) or 0 (none usable). */
int cgroups_version(const char *root);
/* Moves the calling process into the run's groups (its future children follow). 0 on success. */
int cgroups_join(const struct run_cgroups *cg);
/* How many processes the memory controller's OOM killer killed in the run's group. */
long cgroups_oom_kills(const struct run_cgroups *cg);
/* SIGKILLs anything still in the groups, then removes them (retrying while the kernel releases them). */
void cgroups_remove(struct run_cgroups *cg);
#endif
