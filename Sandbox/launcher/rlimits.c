/* P's resource limits: address space, CPU time, file size, descriptors, processes (per host uid, which is the run's
 * own), stack; no core dumps, locked memory or message queues. */
#include <sys/resource.h>

#include "jail.h"

static void set_limit(const struct jail *j, int resource, rlim_t soft, rlim_t hard, const char *name) {
    struct rlimit r = {soft, hard};
    if (setrlimit(resource, &r) != 0) jail_fail(j, "setrlimit %s", name);
}

void rlimits_apply(struct jail *j) {
    const struct config *cfg = j->cfg;
    rlim_t mem = (rlim_t)cfg->mem_mb << 20;
    set_limit(j, RLIMIT_AS, mem, mem, "AS");
    set_limit(j, RLIMIT_CPU, (rlim_t)cfg->cpu_s, (rlim_t)cfg->cpu_s + 1, "CPU");
    set_limit(j, RLIMIT_FSIZE, (rlim_t)cfg->fsize_mb << 20, (rlim_t)cfg->fsize_mb << 20, "FSIZE");
    set_limit(j, RLIMIT_NOFILE, (rlim_t)cfg->nofile, (rlim_t)cfg->nofile, "NOFILE");
    set_limit(j, RLIMIT_NPROC, (rlim_t)cfg->nproc, (rlim_t)cfg->nproc, "NPROC");
    set_limit(j, RLIMIT_STACK, 8 << 20, 8 << 20, "STACK");
    set_limit(j, RLIMIT_CORE, 0, 0, "CORE");
    set_limit(j, RLIMIT_MEMLOCK, 0, 0, "MEMLOCK");
    set_limit(j, RLIMIT_MSGQUEUE, 0, 0, "MSGQUEUE");
    j->layers |= LAYER_RLIMITS;
}
