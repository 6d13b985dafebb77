/*
 * What forking the zygote costs, with its memory anonymous and after the memfd snapshot (snapshot.c): fork + exit of
 * the initialised interpreter, and fork + running a program file in the child (zygote_python_run, as a run's program
 * process does, without the jail) with and without the warm-up's prefault. Also prints the warm-up's hot set: the
 * number of ranges, and the pages a child holds after prefaulting them. The launcher's own python_embed.c and
 * snapshot.c, linked into this harness.
 *
 *   cc -O2 -isystem /usr/include/python3.11 -I Sandbox/launcher Sandbox/bench/zygote_fork.c \
 *      Sandbox/launcher/python_embed.c Sandbox/launcher/snapshot.c -ldl -o /tmp/zygote_fork
 *   /tmp/zygote_fork PROGRAM.py          # e.g. a HumanEval program: prompt + solution + tests + check(entry)
 *
 * Each mode is a separate process (a snapshot cannot be undone). Run it on a quiet machine.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zygote.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double fork_exit_us(int n) {
    double t = now();
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        waitpid(p, NULL, 0);
    }
    return (now() - t) / n * 1e6;
}

static double fork_run_us(int n, const char *program, long *faults) {
    double t = now();
    long total = 0;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            zygote_python_run(program);
        }
        int st;
        struct rusage ru;
        wait4(p, &st, 0, &ru);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "the program failed (status %#x)\n", st); exit(1); }
        total += ru.ru_minflt;
    }
    *faults = total / n;
    return (now() - t) / n * 1e6;
}

/* Pages of the snapshot a child holds as its own after prefaulting the hot set. */
static long prefaulted_pages(void) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t p = fork();
    if (p == 0) {
        zygote_prefault();
        FILE *maps = fopen("/proc/self/maps", "r");
        int pm = open("/proc/self/pagemap", O_RDONLY);
        char line[512];
        long pages = 0;
        while (maps && pm >= 0 && fgets(line, sizeof line, maps)) {
            unsigned long a, b;
            if (sscanf(line, "%lx-%lx", &a, &b) != 2 || !strstr(line, "memfd:codeeval-zygote")) continue;
            for (unsigned long x = a; x < b; x += 4096) {
                uint64_t e;
                if (pread(pm, &e, 8, (off_t)(x / 4096 * 8)) == 8 && (e >> 63 & 1) && !(e >> 61 & 1)) pages++;
            }
        }
        if (write(fds[1], &pages, sizeof pages) != sizeof pages) _exit(1);
        _exit(0);
    }
    long pages = -1;
    close(fds[1]);
    if (read(fds[0], &pages, sizeof pages) != sizeof pages) pages = -1;
    waitpid(p, NULL, 0);
    return pages;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s PROGRAM.py [anonymous|snapshot|prefault]\n", argv[0]); return 2; }
    if (argc == 2) {
        /* One process per mode. */
        const char *modes[] = {"anonymous", "snapshot", "prefault"};
        for (int m = 0; m < 3; m++) {
            char cmd[4096];
            snprintf(cmd, sizeof cmd, "'%s' '%s' %s", argv[0], argv[1], modes[m]);
            if (system(cmd) != 0) return 1;
        }
        return 0;
    }
    char err[512];
    if (zygote_python_init("/usr/bin/python3", err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
    const char *mode = argv[2];
    if (strcmp(mode, "anonymous") != 0) {
        int n = zygote_snapshot(err, sizeof err);
        if (n < 0) { fprintf(stderr, "%s\n", err); return 1; }
        if (strcmp(mode, "prefault") == 0) {
            int ranges = zygote_learn_hot_pages(zygote_python_warmup, err, sizeof err);
            if (ranges < 0) { fprintf(stderr, "%s\n", err); return 1; }
            printf("prefault: %d ranges, %ld pages held after prefaulting them\n", ranges, prefaulted_pages());
        }
    }
    long faults;
    double fe = fork_exit_us(2000), fr = fork_run_us(300, argv[1], &faults);
    printf("%-9s fork+exit %6.0f us   fork+run %6.0f us (%ld minor faults per run)\n", mode, fe, fr, faults);
    fflush(stdout);
    return 0;
}
