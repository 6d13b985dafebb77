/*
 * What attaching the sandbox's seccomp filter costs: fork + (no_new_privs + seccomp filter) + exit, N times, against
 * fork + exit alone in the same process. Every run of the sandbox attaches the filter once, in its program process.
 *
 *   cc -O2 -I Sandbox/launcher Sandbox/bench/seccomp_attach.c Sandbox/launcher/policy.c -lseccomp -o /tmp/seccomp_attach
 *   /tmp/seccomp_attach            # prints both, and the filter's length
 *
 * Run it on a quiet machine (it forks 2 x N processes).
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double per_run_us(const struct sock_fprog *filter, int n) {
    double start = now();
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); exit(1); }
        if (p == 0) {
            if (filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                           syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) != 0))
                _exit(1);
            _exit(0);
        }
        int st;
        if (waitpid(p, &st, 0) < 0 || st != 0) { fprintf(stderr, "child failed\n"); exit(1); }
    }
    return (now() - start) / n * 1e6;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    for (int profile = 0; profile < 2; profile++) {
        struct sock_fprog f;
        const char *failure;
        if (sandbox_export_policy(profile, &f, &failure) != 0) { fprintf(stderr, "policy: %s\n", failure); return 1; }
        double bare = per_run_us(NULL, n), attached = per_run_us(&f, n);
        printf("profile %s (%u instructions): fork+exit %.1f us, fork+attach+exit %.1f us, attach %.1f us (ratio %.2fx)\n",
               profile ? "standard" : "strict", f.len, bare, attached, attached - bare, attached / bare);
    }
    return 0;
}
