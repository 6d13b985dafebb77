/*
 * The supervisor, the launcher's side of one run (host side): creates pipes for stdout/stderr (capped readers), a
 * proof pipe pair, a status pipe and a program pipe; creates the run's cgroups under its own (cgroup.c;
 * unavailable = fail closed unless --allow-degraded), then forks the jail's parent C (jail.c). All of that comes
 * BEFORE it reads the program, so a launcher can be started ahead of its run (RunnerPool pre-spawns the next run's
 * launcher while the current one executes; the cgroup-v1 migration is an ~11 ms idle RCU wait that then overlaps
 * other work). Only then does it read the program from stdin (frame.c), start the wall clock and hand the program to
 * G over the program pipe. After the run it reads the OOM-kill counter, prints the verdict (report.c), kills
 * anything left in the groups and removes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "report.h"
#include "supervisor.h"
#include "zygote.h"

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Kills a jail whose run will not happen (cancelled, or a supervisor-side error) and removes its cgroups. */
static void abandon_jail(struct run *r) {
    if (r->jail_pid > 0) {
        kill(r->jail_pid, SIGKILL);
        while (waitpid(r->jail_pid, NULL, 0) < 0 && errno == EINTR) {}
        r->jail_pid = 0;
    }
    cgroups_remove(&r->cgroups);
}

void launcher_fail(struct run *r, const char *message, int layers) {
    if (r->notify_fd >= 0 && !r->frame_done) {
        /* A zygote's launcher failed before its run began (its jail is built ahead of the frame): the verdict
         * belongs to the next frame on stdin, so take that frame first. Printing now would answer the run that is
         * still executing in another launcher. */
        r->frame_done = 1;
        size_t ignored;
        char *program = read_program(r, &ignored);
        if (!program) { abandon_jail(r); _exit(4); }
        free(program);
        zygote_notify(r, 'F');
    }
    abandon_jail(r);
    report_error(r, message, layers);
    zygote_notify(r, 'V');
    _exit(3);
}

static void capture_read(struct capture *c) {
    char tmp[65536];
    ssize_t n = read(c->fd, tmp, sizeof tmp);
    if (n <= 0) {
        close(c->fd);
        c->fd = -1;
        return;
    }
    size_t room = c->cap > c->len ? c->cap - c->len : 0;
    size_t take = (size_t)n < room ? (size_t)n : room;
    if (take) {
        memcpy(c->buf + c->len, tmp, take);
        c->len += take;
    }
    if ((size_t)n > take) c->truncated = 1;
}

/* The pipes between the supervisor and the jail ([0] read end, [1] write end). */
struct pipes {
    int out[2], err[2], key[2], proof[2], status[2], prog[2];
};

/* C, just forked: lets go of everything of the supervisor's the jail must not hold, then becomes the jail. */
static void start_jail(struct run *r, struct pipes *p, unsigned char *raw, size_t raw_len, char *key, size_t key_len,
                       uid_t host_uid) {
    /* The jail never needs the key (it reads it from the pipe) nor the zygote's pipes. With a zygote there is no
     * execve to discard the launcher's memory before the program runs: wipe the key here. */
    explicit_bzero(raw, raw_len);
    explicit_bzero(key, key_len);
    if (r->notify_fd >= 0) close(r->notify_fd);
    if (r->turn_fd >= 0) close(r->turn_fd);
    close(p->out[0]);
    close(p->err[0]);
    close(p->proof[0]);
    close(p->status[0]);
    close(p->prog[1]);
    /* The jail must not hold the launcher's stdin (the caller's program stream) nor its stdout and stderr (the
     * verdict stream: a zygote's carries the verdicts of every later run). The jail reports on the status pipe;
     * P gets its own pipes as 1 and 2. */
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0) _exit(124);
    close(null_fd);
    struct jail j = {
        .cfg = r->cfg, .cgroups = &r->cgroups, .zygote = r->zygote, .status_fd = p->status[1], .layers = 0,
        .prog_fd = p->prog[0], .out_fd = p->out[1], .err_fd = p->err[1], .key_fd = p->key[0], .proof_fd = p->proof[1],
        .host_uid = host_uid,
    };
    jail_run(&j);
}

/* What the supervisor collects from a running jail. */
struct collected {
    struct capture out, err, proof;
    /* The status pipe carries an early "layers" message, then the result (or a setup error). */
    struct status_msg msgs[3];
    size_t msg_len;
    int timed_out;
};

/* Reads the program's output, the proof and the jail's status until the verdict is complete or the wall clock
 * runs out (then C is killed, and with it the whole jail). */
static void collect(pid_t c, int status_fd, long deadline, struct collected *k) {
    int status_open = 1;
    while (k->out.fd >= 0 || k->err.fd >= 0 || status_open || k->proof.fd >= 0) {
        struct pollfd pf[4];
        int nf = 0;
        int idx_out = -1, idx_err = -1, idx_status = -1, idx_proof = -1;
        if (k->out.fd >= 0) { idx_out = nf; pf[nf++] = (struct pollfd){k->out.fd, POLLIN, 0}; }
        if (k->err.fd >= 0) { idx_err = nf; pf[nf++] = (struct pollfd){k->err.fd, POLLIN, 0}; }
        if (status_open) { idx_status = nf; pf[nf++] = (struct pollfd){status_fd, POLLIN, 0}; }
        if (k->proof.fd >= 0) { idx_proof = nf; pf[nf++] = (struct pollfd){k->proof.fd, POLLIN, 0}; }
        long left = deadline - now_ms();
        if (left <= 0) {
            k->timed_out = 1;
            kill(c, SIGKILL);
            break;
        }
        int n = poll(pf, (nfds_t)nf, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (idx_out >= 0 && pf[idx_out].revents) capture_read(&k->out);
        if (idx_err >= 0 && pf[idx_err].revents) capture_read(&k->err);
        if (idx_proof >= 0 && pf[idx_proof].revents) capture_read(&k->proof);
        if (idx_status >= 0 && pf[idx_status].revents) {
            ssize_t got = read(status_fd, (char *)k->msgs + k->msg_len, sizeof k->msgs - k->msg_len);
            if (got <= 0) { status_open = 0; close(status_fd); }
            else k->msg_len += (size_t)got;
        }
        /* The program's output has ended and G has reported (P's status, or a setup error): that is the whole
         * verdict. G and C exit on their own right after; they are reaped (and the groups emptied) once the verdict
         * is out, instead of before. */
        int final = 0;
        for (size_t i = 0; i < k->msg_len / sizeof(struct status_msg); i++) final |= k->msgs[i].kind == 0 || k->msgs[i].kind == 1;
        if (final && k->out.fd < 0 && k->err.fd < 0 && k->proof.fd < 0) break;
    }
}

int launch(struct config *cfg, const struct zygote_image *zygote, int notify_fd, int turn_fd) {
    struct run r = {.cfg = cfg, .zygote = zygote, .notify_fd = notify_fd, .turn_fd = turn_fd};
    /* Orphans of the run (once the jail's init is gone) are re-parented to us, not to the host's init. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    /* Proof of pass: a fresh random key readable once on fd 3; the harness's epilogue writes it to fd 4. */
    unsigned char raw[16];
    char key[33];
    if (getrandom(raw, sizeof raw, 0) != sizeof raw) launcher_fail(&r, "getrandom failed", 0);
    for (int i = 0; i < 16; i++) snprintf(key + 2 * i, 3, "%02x", raw[i]);

    struct pipes p;
    if (pipe2(p.out, O_CLOEXEC) || pipe2(p.err, O_CLOEXEC) || pipe2(p.key, O_CLOEXEC) || pipe2(p.proof, O_CLOEXEC) ||
        pipe2(p.status, O_CLOEXEC) || pipe2(p.prog, O_CLOEXEC))
        launcher_fail(&r, "cannot create pipes", 0);
    if (write(p.key[1], key, 32) != 32) launcher_fail(&r, "cannot write the proof key", 0);
    close(p.key[1]);

    /* A per-run host uid keeps concurrent runs' RLIMIT_NPROC budgets apart; only root can switch to one, otherwise
     * the run keeps our uid (user_ns.c), and the verdict says so. */
    uid_t host_uid = getuid() == 0 ? (uid_t)(200000 + (getpid() % 100000)) : getuid();

    /* Memory (no swap) and pids limits on the whole jail: C and G count as two of its pids. */
    char cgerr[300] = "";
    if (!cgroups_create(&r.cgroups, cfg->cgroup_root, (long long)cfg->mem_mb << 20, cfg->nproc + 2, cgerr, sizeof cgerr)) {
        if (!cfg->allow_degraded) {
            char message[400];
            snprintf(message, sizeof message, "cgroups unavailable: %s (run with --allow-degraded to continue without them)", cgerr);
            launcher_fail(&r, message, 0);
        }
    }
    /* The whole jail is built now, before the program is known: this is the part a pre-spawned launcher does
     * while the pool's previous run still executes. */
    pid_t c = fork();
    if (c < 0) {
        cgroups_remove(&r.cgroups);
        launcher_fail(&r, "fork failed", 0);
    }
    if (c == 0) start_jail(&r, &p, raw, sizeof raw, key, sizeof key, host_uid);
    r.jail_pid = c;
    close(p.out[1]);
    close(p.err[1]);
    close(p.key[0]);
    close(p.proof[1]);
    close(p.status[1]);
    close(p.prog[0]);

    size_t len = 0;
    char *program = read_program(&r, &len);
    if (!program) {  /* cancelled: the caller closed our stdin before sending a whole frame */
        abandon_jail(&r);
        return 4;
    }
    zygote_notify(&r, 'F');

    /* The run starts now: hand the program (and its CPU limit) to G. If G already failed, the write fails and the
     * status pipe carries G's setup error. */
    long start = now_ms();
    struct program_header header = {(uint64_t)len, (int64_t)cfg->cpu_s};
    if (write_all(p.prog[1], &header, sizeof header) == 0) write_all(p.prog[1], program, len);
    close(p.prog[1]);
    free(program);

    struct collected k;
    memset(&k, 0, sizeof k);
    size_t out_cap = (size_t)cfg->out_cap;
    k.out = (struct capture){p.out[0], malloc(out_cap + 1), 0, out_cap, 0};
    k.err = (struct capture){p.err[0], malloc(out_cap + 1), 0, out_cap, 0};
    k.proof = (struct capture){p.proof[0], malloc(4096), 0, 4096, 0};
    /* The jail is running: without buffers its output cannot be judged, so it is killed, not read into NULL. */
    if (!k.out.buf || !k.err.buf || !k.proof.buf) launcher_fail(&r, "out of memory for the output buffers", 0);
    collect(c, p.status[0], start + cfg->timeout_ms, &k);
    long wall = now_ms() - start;
    long oom_kills = cgroups_oom_kills(&r.cgroups);
    if (k.out.fd >= 0) close(k.out.fd);
    if (k.err.fd >= 0) close(k.err.fd);
    if (k.proof.fd >= 0) close(k.proof.fd);

    size_t count = k.msg_len / sizeof(struct status_msg);
    struct status_msg msg;
    memset(&msg, 0, sizeof msg);
    int established = 0;
    for (size_t i = 0; i < count; i++) {
        if (k.msgs[i].kind == 1) launcher_fail(&r, k.msgs[i].error, k.msgs[i].layers);
        if (k.msgs[i].kind == 2) established = k.msgs[i].layers;
        if (k.msgs[i].kind == 0) msg = k.msgs[i];
    }
    if (!k.timed_out && (count == 0 || k.msgs[count - 1].kind != 0))
        launcher_fail(&r, "the jail ended without reporting a status", established);

    struct verdict v = {
        .exit_code = -1, .timed_out = k.timed_out, .wall_ms = wall, .cpu_ms = k.timed_out ? -1 : msg.cpu_us / 1000,
        .max_rss_kb = k.timed_out ? -1 : msg.max_rss_kb, .proof_ok = k.proof.len == 32 && memcmp(k.proof.buf, key, 32) == 0,
        .oom_killed = oom_kills > 0, .host_uid = (unsigned)host_uid, .layers = k.timed_out ? established : msg.layers,
        .out = &k.out, .err = &k.err,
    };
    if (!k.timed_out) {
        if (WIFEXITED(msg.wait_status)) v.exit_code = WEXITSTATUS(msg.wait_status);
        else if (WIFSIGNALED(msg.wait_status)) v.signal = WTERMSIG(msg.wait_status);
    }
    report_verdict(&r, &v);
    zygote_notify(&r, 'V');
    /* The verdict is final (the OOM counter was read above): hand it over now by closing our stdout and stderr,
     * then kill whatever is left in the run's groups and remove them. rmdir needs cgroup_mutex, which another
     * launcher's cgroup migration can hold for a whole RCU grace period (~11 ms); the caller need not wait for
     * that, only reap us. Nothing of the run can act any more: its pid 1 is gone, so the kernel is killing the
     * rest of its pid namespace, and cgroups_remove SIGKILLs any member still there before removing the groups. */
    fclose(stdout);
    close(2);
    int cst;
    while (waitpid(c, &cst, 0) < 0 && errno == EINTR) {}
    r.jail_pid = 0;
    cgroups_remove(&r.cgroups);
    return 0;
}
