/*
 * G, pid 1 of the jail's pid namespace, running in C's memory (jail.c) until it exits: builds the root filesystem
 * and sets the hostname, waits for the program, forks the program process P (program.c) and reaps until P exits,
 * then reports P's wait status and rusage on the status pipe. When G exits the kernel kills every process left in
 * the namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "jail.h"

static void send_status(const struct jail *j, int kind, int wait_status, const struct rusage *ru) {
    struct status_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.wait_status = wait_status;
    if (ru) {
        m.cpu_us = ru->ru_utime.tv_sec * 1000000L + ru->ru_utime.tv_usec + ru->ru_stime.tv_sec * 1000000L + ru->ru_stime.tv_usec;
        m.max_rss_kb = ru->ru_maxrss;
    }
    m.layers = j->layers | LAYERS_OF_PROGRAM;
    ssize_t w = write(j->status_fd, &m, sizeof m);
    (void)w;
}

/* Waits for the run's program on the program pipe (the jail is complete by now) and streams it into /work/main.py.
 * End of input before a header means the supervisor cancelled the run: exit quietly. */
static void receive_program(struct jail *j) {
    struct program_header h;
    ssize_t got = read_full(j->prog_fd, &h, sizeof h);
    if (got < 0) jail_fail(j, "read the program header");
    if (got < (ssize_t)sizeof h) _exit(0);
    if (h.length > (uint64_t)j->cfg->max_program || h.cpu_s < 1 || h.cpu_s > CONFIG_CPU_S_MAX) {
        errno = EINVAL;
        jail_fail(j, "program header");
    }
    j->cfg->cpu_s = (long)h.cpu_s;
    int fd = open("/work/main.py", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) jail_fail(j, "create /work/main.py");
    char buf[65536];
    uint64_t left = h.length;
    while (left > 0) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        ssize_t n = read_full(j->prog_fd, buf, want);
        if (n < (ssize_t)want) { errno = n < 0 ? errno : EPIPE; jail_fail(j, "read the program"); }
        if (write_all(fd, buf, want) != 0) jail_fail(j, "write program");
        left -= want;
    }
    if (close(fd) != 0) jail_fail(j, "write program");
    close(j->prog_fd);
}

int jail_init(void *arg) {
    struct jail *j = arg;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) jail_fail(j, "pdeathsig init");
    if (!(j->layers & LAYER_MOUNT))
        jail_fail(j, "degraded mode without a mount namespace is not supported: refusing to run on the host filesystem");
    mount_ns_build_root(j);
    if (sethostname("sandbox", 7) != 0) jail_fail(j, "sethostname");
    send_status(j, 2, 0, NULL);  /* the layers so far, for a verdict that comes before P's (a timeout) */
    receive_program(j);
    pid_t p = fork();
    if (p < 0) jail_fail(j, "fork program");
    if (p == 0) program_exec(j);  /* the status fd is close-on-exec */
    close(j->out_fd);
    close(j->err_fd);
    close(j->key_fd);
    close(j->proof_fd);
    /* Reap everything; P's status is the result. Orphans re-parented to us are reaped too. */
    int p_status = 0;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == p) { p_status = st; break; }
        if (w < 0 && errno != EINTR) break;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    send_status(j, 0, p_status, &ru);
    _exit(0);  /* pid 1 exits: the kernel kills anything still running in the namespace */
}
