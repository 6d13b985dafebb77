/*
 * What joining a cgroup v1 group costs a single-threaded process: its pid into cgroup.procs (the kernel takes the
 * global threadgroup lock for writing, which waits for an RCU grace period) against "0" into tasks (moves the
 * calling thread only, no global lock). Each try creates a group under /sys/fs/cgroup/memory, forks a child that
 * joins it one way and times the write, and removes the group. Needs root and a v1 memory hierarchy.
 *
 *   cc -O2 Sandbox/bench/cgroup_join.c -o /tmp/cgroup_join && /tmp/cgroup_join 5
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv) {
    int tries = argc > 1 ? atoi(argv[1]) : 5;
    for (int mode = 0; mode < 2; mode++) {
        for (int i = 0; i < tries; i++) {
            char dir[128], path[192];
            snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory/cgroup-join-bench-%d-%d-%d", (int)getpid(), mode, i);
            if (mkdir(dir, 0755) != 0) { perror(dir); return 1; }
            pid_t p = fork();
            if (p == 0) {
                char pid[32];
                snprintf(pid, sizeof pid, "%d", (int)getpid());
                snprintf(path, sizeof path, "%s/%s", dir, mode ? "tasks" : "cgroup.procs");
                double t = now();
                int rc = put(path, mode ? "0" : pid);
                printf("%-22s %6.2f ms%s\n", mode ? "tasks <- 0" : "cgroup.procs <- pid", (now() - t) * 1e3,
                       rc ? " (write failed)" : "");
                fflush(stdout);
                _exit(rc ? 1 : 0);
            }
            waitpid(p, NULL, 0);
            rmdir(dir);
            usleep(50000);
        }
    }
    return 0;
}
