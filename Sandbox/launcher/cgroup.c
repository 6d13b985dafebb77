/* Per-run cgroups for codeeval-sandbox (see cgroup.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "io.h"

static int put(const char *dir, const char *file, const char *text) {
    char path[640];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return write_text(path, text);
}

/* Our own group in the v1 hierarchy holding `controller`, or in the unified one (controller NULL). */
static int own_group(const char *controller, char *out, size_t outlen) {
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return -1;
    char line[1024];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *a = strchr(line, ':');
        char *b = a ? strchr(a + 1, ':') : NULL;
        if (!b) continue;
        *b = 0;
        const char *list = a + 1;
        int match = 0;
        if (!controller) {
            match = *list == 0;
        } else {
            char copy[256];
            snprintf(copy, sizeof copy, "%s", list);
            char *save = NULL;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                if (strcmp(tok, controller) == 0) match = 1;
        }
        if (match) {
            snprintf(out, outlen, "%s", strcmp(b + 1, "/") == 0 ? "" : b + 1);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

static int v2_has(const char *root, const char *controller) {
    char path[600], line[512] = "";
    snprintf(path, sizeof path, "%s/cgroup.controllers", root);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    char *save = NULL;
    for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
        if (strcmp(tok, controller) == 0) return 1;
    return 0;
}

/* Removes empty groups left by launchers that were killed before they could clean up (their pid, part of the
 * name, no longer exists). rmdir only succeeds on an empty group, so a live run's group is never touched. */
static void prune_stale(const char *parent) {
    DIR *d = opendir(parent);
    if (!d) return;
    struct dirent *e;
    char path[900];
    while ((e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "codeeval-%d-", &pid) != 1 || pid <= 0) continue;
        if (kill(pid, 0) == 0 || errno != ESRCH) continue;
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        rmdir(path);
    }
    closedir(d);
}

static int make_group(char *dst, size_t len, const char *mount, const char *own, const char *name) {
    char parent[600];
    snprintf(parent, sizeof parent, "%s%s", mount, own);
    prune_stale(parent);
    snprintf(dst, len, "%s%s/%s", mount, own, name);
    if (mkdir(dst, 0700) == 0) return 0;
    dst[0] = 0;
    return -1;
}

/* The unified hierarchy with the two controllers a run's group needs. */
static int unified(const char *root) { return v2_has(root, "memory") && v2_has(root, "pids"); }

int cgroups_version(const char *root) {
    if (unified(root)) return 2;
    char path[600];
    snprintf(path, sizeof path, "%s/memory", root);
    return access(path, W_OK) == 0 ? 1 : 0;
}

int cgroups_create(struct run_cgroups *cg, const char *root, long long mem_bytes, long pids, char *err, size_t errlen) {
    memset(cg, 0, sizeof *cg);
    char own[400], name[64], mount[600];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(name, sizeof name, "codeeval-%d-%ld", (int)getpid(), (long)ts.tv_nsec);
    char mem_text[32], pids_text[32];
    snprintf(mem_text, sizeof mem_text, "%lld", mem_bytes);
    snprintf(pids_text, sizeof pids_text, "%ld", pids);

    if (unified(root)) {
        if (own_group(NULL, own, sizeof own) < 0) { snprintf(err, errlen, "no unified entry in /proc/self/cgroup"); return 0; }
        snprintf(mount, sizeof mount, "%s", root);
        if (make_group(cg->mem, sizeof cg->mem, mount, own, name) < 0) {
            snprintf(err, errlen, "cannot create a cgroup v2 group under %s%s: %s", mount, own, strerror(errno));
            return 0;
        }
        cg->version = 2;
        if (put(cg->mem, "memory.max", mem_text) < 0 || put(cg->mem, "memory.swap.max", "0") < 0 ||
            put(cg->mem, "pids.max", pids_text) < 0) {
            snprintf(err, errlen, "cannot set cgroup v2 limits: %s", strerror(errno));
            cgroups_remove(cg);
            return 0;
        }
        return 1;
    }
    snprintf(mount, sizeof mount, "%s/memory", root);
    if (own_group("memory", own, sizeof own) < 0 || make_group(cg->mem, sizeof cg->mem, mount, own, name) < 0) {
        snprintf(err, errlen, "no cgroup v2 memory+pids controllers and no writable v1 memory hierarchy under %s (%s)",
                 root, errno ? strerror(errno) : "not mounted");
        return 0;
    }
    cg->version = 1;
    snprintf(mount, sizeof mount, "%s/pids", root);
    if (own_group("pids", own, sizeof own) < 0 || make_group(cg->pids, sizeof cg->pids, mount, own, name) < 0) {
        snprintf(err, errlen, "no writable v1 pids hierarchy under %s: %s", root, strerror(errno));
        cgroups_remove(cg);
        return 0;
    }
    /* memsw (memory + swap) must be set after the memory limit; equal values mean no swap. It is absent when the
     * kernel does not account swap, which also means there is none to use. */
    int ok = put(cg->mem, "memory.limit_in_bytes", mem_text) == 0;
    if (ok && put(cg->mem, "memory.memsw.limit_in_bytes", mem_text) < 0 && errno != ENOENT) ok = 0;
    if (ok && put(cg->mem, "memory.swappiness", "0") < 0 && errno != ENOENT) ok = 0;
    ok = ok && put(cg->pids, "pids.max", pids_text) == 0;
    if (!ok) {
        snprintf(err, errlen, "cannot set cgroup v1 limits: %s", strerror(errno));
        cgroups_remove(cg);
        return 0;
    }
    return 1;
}

int cgroups_join(const struct run_cgroups *cg) {
    if (cg->version == 1) {
        /* v1: "0" into `tasks` moves the calling thread, which is the whole process (the caller is single-threaded,
         * and its children are born in the group). Moving a whole process through cgroup.procs takes the kernel's
         * global threadgroup lock for writing, which waits for an RCU grace period: milliseconds, against a small
         * fraction of one for this (Sandbox/bench/cgroup_join.c compares the two). */
        if (cg->mem[0] && put(cg->mem, "tasks", "0") < 0) return -1;
        if (cg->pids[0] && put(cg->pids, "tasks", "0") < 0) return -1;
        return 0;
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (cg->mem[0] && put(cg->mem, "cgroup.procs", pid) < 0) return -1;
    return 0;
}

long cgroups_oom_kills(const struct run_cgroups *cg) {
    if (!cg->mem[0]) return 0;
    char path[640], line[256];
    snprintf(path, sizeof path, "%s/%s", cg->mem, cg->version == 2 ? "memory.events" : "memory.oom_control");
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    long n = 0, v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "oom_kill %ld", &v) == 1) n = v;
    }
    fclose(f);
    return n;
}

static int kill_members(const char *dir) {
    char path[640];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int n = 0, pid;
    while (fscanf(f, "%d", &pid) == 1) {
        if (pid > 0 && kill(pid, SIGKILL) == 0) n++;
    }
    fclose(f);
    return n;
}

/* The directory holding a run's group (its path without the last component). */
static void parent_of(const char *group, char *out, size_t len) {
    snprintf(out, len, "%s", group);
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0; else out[0] = 0;
}

void cgroups_remove(struct run_cgroups *cg) {
    char parents[2][512];
    parent_of(cg->mem, parents[0], sizeof parents[0]);
    parent_of(cg->pids, parents[1], sizeof parents[1]);
    /* The jail's pid namespace dies with its init, but the kernel tears it down asynchronously: kill whatever is
     * still a member, then retry rmdir (EBUSY) until the groups are released, for up to about a second. */
    for (int i = 0; i < 500; i++) {
        /* The launcher is a child subreaper: orphans of the run come back to it and are reaped here, so a
         * zombie cannot keep a group busy until the host's init gets round to it. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        int left = 0;
        char *groups[2] = {cg->mem, cg->pids};
        for (int g = 0; g < 2; g++) {
            if (!groups[g][0]) continue;
            if (rmdir(groups[g]) == 0 || errno == ENOENT) { groups[g][0] = 0; continue; }
            kill_members(groups[g]);
            left = 1;
        }
        if (!left) break;
        usleep(2000);
    }
    /* Prune again on the way out, not only when a run starts: a killed launcher's group can still hold its dying
     * jail when the next run starts, and would otherwise wait for the run after that. */
    for (int g = 0; g < 2; g++) {
        if (parents[g][0]) prune_stale(parents[g]);
    }
}
