/*
 * The zygote (--zygote): one long-lived process per pool worker initialises an embedded interpreter once
 * (python_embed.c) and forks a per-run launcher for each run. That launcher does everything the per-run launcher does
 * (launch(), supervisor.c: its own cgroups, host uid, namespaces, root filesystem, rlimits, capability drop,
 * no_new_privs and seccomp filter), and its program process runs the program in the interpreter it inherited through
 * fork instead of exec'ing a new one. The zygote runs no candidate code, reads no program, holds no key: it only
 * forks launchers, hands out turns to read the frame stream and watches them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "policy.h"
#include "report.h"
#include "supervisor.h"
#include "zygote.h"

/* What a launcher tells its zygote on its notify pipe. */
struct zygote_msg {
    char kind;  /* 'F' frame read (the zygote then gives the next launcher its turn and forks another, which builds
                 * its jail while the runs before it execute), 'V' verdict printed */
    char pad[7];
    unsigned long long run_id;
};

void zygote_notify(const struct run *r, char kind) {
    if (r->notify_fd < 0) return;
    struct zygote_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.run_id = r->run_id;
    ssize_t w = write(r->notify_fd, &m, sizeof m);
    (void)w;
}

struct zygote_child {
    pid_t pid;
    int fd;        /* read end of its notify pipe; end of file = it exited */
    int turn_fd;   /* write end of its turn pipe (-1 once its turn was given or it is gone) */
    int has_turn;  /* it may read the next frame */
    int framed;    /* it read its frame: it owns a run */
    int answered;  /* it printed that run's verdict */
    unsigned long long run_id;
};

/* Launchers built ahead of the frames. One hides a jail's set-up behind the run before it, when that set-up is a few
 * milliseconds of CPU, as on cgroup v1 (the jail joins its groups through `tasks`, cgroup.c); more would only be torn
 * down unused at the end, which costs more than they save. Joining a v2 group goes through cgroup.procs, which waits
 * for an RCU grace period (~11 ms, longer than a short run), so there a few more keep a worker from waiting for its
 * next jail. */
enum { ZYGOTE_AHEAD_V1 = 1, ZYGOTE_AHEAD_V2 = 3, ZYGOTE_MAX_CHILDREN = 16 };

/* Static, not on zygote_serve's stack: the snapshot (snapshot.c) moves it with the data segment into the memfd that
 * every launcher inherits without a copy; it leaves the stack anonymous. */
static struct zygote_image image;

/* Forks the launcher for a later run. It builds its jail at once, waits for its turn, then reads its frame from our
 * stdin, which nobody else reads: the zygote itself never sees a program, so no run's text is ever in the memory
 * that later runs inherit. */
static int zygote_fork(struct config *cfg, struct zygote_child *k, pid_t zygote) {
    int p[2], t[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    if (pipe2(t, O_CLOEXEC) != 0) { close(p[0]); close(p[1]); return -1; }
    pid_t pid = fork();
    if (pid < 0) { close(p[0]); close(p[1]); close(t[0]); close(t[1]); return -1; }
    if (pid == 0) {
        close(p[0]);
        close(t[1]);
        /* A launcher never outlives its zygote (whose caller is gone then). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != zygote) _exit(1);
        int rc = launch(cfg, &image, p[1], t[0]);
        fflush(stdout);
        _exit(rc);
    }
    close(p[1]);
    close(t[0]);
    *k = (struct zygote_child){pid, p[0], t[1], 0, 0, 0, 0};
    return 0;
}

/* Once, before any launcher: a clean signal state and environment, the interpreter, its signal dispositions and the
 * seccomp filter every run will get. 0, or 3 after reporting why not. */
static int zygote_prepare(const struct config *cfg) {
    /* A clean signal state before the interpreter sets up its own (whatever our caller blocked or ignored must not
     * reach the runs: their dispositions are snapshotted after the initialisation), and the environment the
     * interpreter reads once, at initialisation: the same one execve would pass. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    }
    signal(SIGPIPE, SIG_IGN);
    clearenv();
    for (int i = 0; program_env[i]; i++) putenv(program_env[i]);
    char err[300];
    if (zygote_python_init(cfg->python, cfg->judge_harness, err, sizeof err) != 0) {
        report_zygote_error(err, 0, 0);
        return 3;
    }
    for (int s = 1; s < NSIG; s++) sigaction(s, NULL, &image.sigs[s]);
    /* Building the filter with libseccomp costs more CPU than many a run; build it once, before any run. */
    const char *failure;
    if (sandbox_export_policy(cfg->standard_profile, &image.filter, &failure) != 0) {
        snprintf(err, sizeof err, "cannot build the seccomp filter: %s", failure);
        report_zygote_error(err, 0, 0);
        return 3;
    }
    return 0;
}

/* If a launcher that owns a run dies without a verdict, the zygote answers that run with a sandbox_error; if
 * anything else goes wrong it reports and exits (the caller restarts it). Exits 0 when its stdin ends (the caller
 * shut it down). */
int zygote_serve(struct config *cfg) {
    int rc = zygote_prepare(cfg);
    if (rc != 0) return rc;
    /* Last, once nothing more is initialised: the memory every run inherits moves into a sealed memfd (snapshot.c),
     * so forking a launcher stops copying the interpreter's page tables. If that cannot be done the zygote works as
     * before, only slower. */
    char err[300];
    int learn = 0;
    if (!cfg->no_snapshot) {
        if (zygote_snapshot(err, sizeof err) < 0) fprintf(stderr, "codeeval-sandbox: %s\n", err);
        else learn = 1;
    }
    pid_t self = getpid();
    const int zygote_ahead = cgroups_version(cfg->cgroup_root) == 2 ? ZYGOTE_AHEAD_V2 : ZYGOTE_AHEAD_V1;
    struct zygote_child kids[ZYGOTE_MAX_CHILDREN];
    int nk = 0, stopping = 0;
    for (;;) {
        /* Keep launchers ahead, and give the turn to the oldest one waiting if nobody holds it. */
        int ahead = 0, turn_held = 0;
        for (int i = 0; i < nk; i++) {
            if (!kids[i].framed) ahead++;
            if (kids[i].has_turn && !kids[i].framed) turn_held = 1;
        }
        while (!stopping && ahead < zygote_ahead && nk < ZYGOTE_MAX_CHILDREN) {
            if (zygote_fork(cfg, &kids[nk], self) != 0) {
                report_zygote_error("cannot fork a launcher", 0, 0);
                stopping = 1;
                break;
            }
            nk++;
            ahead++;
        }
        for (int i = 0; i < nk && !turn_held && !stopping; i++) {
            if (kids[i].framed || kids[i].has_turn) continue;
            if (write_all(kids[i].turn_fd, "t", 1) != 0) { report_zygote_error("cannot hand out a turn", 0, 0); stopping = 1; }
            kids[i].has_turn = 1;
            close(kids[i].turn_fd);
            kids[i].turn_fd = -1;
            turn_held = 1;
        }
        if (learn) {
            /* Which pages runs write (snapshot.c), learnt once the first launchers exist: their jails (whose
             * cgroup migration waits for an RCU grace period) are built meanwhile, and the first of them already
             * holds the turn. They were forked before it, so only later launchers' runs prefault. */
            learn = 0;
            if (zygote_learn_hot_pages(zygote_python_warmup, err, sizeof err) < 0) fprintf(stderr, "codeeval-sandbox: %s\n", err);
        }
        if (stopping) {
            /* Launchers still waiting for a turn see end of file and tear their jails down (exit 4). */
            for (int i = 0; i < nk; i++) if (kids[i].turn_fd >= 0) { close(kids[i].turn_fd); kids[i].turn_fd = -1; }
        }
        if (nk == 0) break;
        struct pollfd pf[ZYGOTE_MAX_CHILDREN];
        for (int i = 0; i < nk; i++) pf[i] = (struct pollfd){kids[i].fd, POLLIN, 0};
        if (poll(pf, (nfds_t)nk, -1) < 0) {
            if (errno == EINTR) continue;
            report_zygote_error("poll failed", 0, 0);
            return 3;
        }
        for (int i = 0; i < nk; i++) {
            if (!pf[i].revents) continue;
            struct zygote_child *k = &kids[i];
            struct zygote_msg m;
            ssize_t n = read(k->fd, &m, sizeof m);
            if (n < 0 && errno == EINTR) continue;
            if (n == (ssize_t)sizeof m) {
                if (m.kind == 'F' && k->has_turn && !k->framed) {
                    k->framed = 1;
                    k->run_id = m.run_id;
                } else if (m.kind == 'V') {
                    k->answered = 1;
                }
                continue;
            }
            /* End of file (or a short read, which a launcher never sends): the launcher exited. */
            int st = 0;
            while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR) {}
            close(k->fd);
            k->fd = -1;
            if (k->turn_fd >= 0) close(k->turn_fd);
            k->turn_fd = -1;
            if (k->framed && !k->answered) {
                char message[160];
                snprintf(message, sizeof message, "the run's launcher ended without a verdict (%s %d)",
                         WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
                report_zygote_error(message, 1, k->run_id);
            } else if (!k->framed && !stopping) {
                /* Exit 4 = it saw the end of our stdin (shut down). Anything else, before its run: the frame
                 * stream may be out of step (if it held the turn) or the host is failing; stop, and the caller
                 * starts a fresh zygote. */
                if (!(WIFEXITED(st) && WEXITSTATUS(st) == 4) && !k->answered)
                    report_zygote_error("a launcher died before its run", 0, 0);
                stopping = 1;
            }
        }
        int kept = 0;
        for (int i = 0; i < nk; i++) if (kids[i].fd >= 0) kids[kept++] = kids[i];
        nk = kept;
    }
    return 0;
}
