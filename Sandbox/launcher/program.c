/*
 * P, the program process (a fork of G): no controlling tty (TIOCSTI is also filtered), a clean signal state, its
 * descriptors, rlimits (rlimits.c), no capabilities (caps.c), PR_SET_NO_NEW_PRIVS, the seccomp allow-list
 * (policy.c), then the program: execve(python -I -S -B /work/main.py), or in a zygote the inherited interpreter.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "policy.h"
#include "zygote.h"

char *const program_env[] = {"PATH=/usr/bin:/bin", "HOME=/work", "TMPDIR=/work", "LANG=C.UTF-8",
                             "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", NULL};

/* Descriptors 0 (/dev/null), 1, 2 (output pipes), 3 (proof key in), 4 (proof out); every other one closes at
 * execve (the status fd stays usable for setup errors until then). */
static void set_fds(const struct jail *j) {
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0) jail_fail(j, "open /dev/null");
    /* Move everything to high numbers first, so the dup2 targets below cannot collide with a source. */
    int fds[5] = {null_fd, j->out_fd, j->err_fd, j->key_fd, j->proof_fd};
    for (int i = 0; i < 5; i++) {
        int moved = fcntl(fds[i], F_DUPFD, 100 + i);
        if (moved < 0) jail_fail(j, "dup fd");
        fds[i] = moved;
    }
    for (int i = 0; i < 5; i++) {
        if (dup2(fds[i], i) < 0) jail_fail(j, "dup2 %d", i);
    }
    if (syscall(SYS_close_range, 5, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) jail_fail(j, "close_range");
}

/* A clean signal state: the mask and ignored dispositions survive execve, and the host process that started the
 * launcher (e.g. a Dispatch worker thread) may have blocked SIGALRM and friends, which would silently disable a
 * program's own alarm-based time limits (EvalPlus-style per-input timers). */
static void reset_signals(const struct jail *j) {
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) jail_fail(j, "sigprocmask");
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        /* In a zygote, back to the interpreter's own dispositions (set up before any run, by our code). */
        if (j->zygote) sigaction(s, &j->zygote->sigs[s], NULL);
        else signal(s, SIG_DFL);
    }
}

void program_exec(struct jail *j) {
    if (setsid() < 0) jail_fail(j, "setsid");
    set_fds(j);
    if (chdir("/work") != 0) jail_fail(j, "chdir /work");
    reset_signals(j);
    rlimits_apply(j);
    caps_drop(j);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) jail_fail(j, "no_new_privs");
    j->layers |= LAYER_NNP;
    const char *failure;
    if (j->zygote ? sandbox_load_exported(&j->zygote->filter, &failure) != 0
                  : sandbox_load_policy(j->cfg->standard_profile, &failure) != 0)
        jail_fail(j, "seccomp rule %s", failure);
    j->layers |= LAYER_SECCOMP;

    if (j->zygote) {
        /* No execve to close the close-on-exec fds (the status pipe, anything of the launcher's): close every fd
         * above 4 now, for real. Only then does any Python run in this process. */
        if (syscall(SYS_close_range, 5, ~0U, 0) != 0) _exit(120);
        zygote_python_run("/work/main.py");
    }
    char *const argv[] = {(char *)j->cfg->python, "-I", "-S", "-B", "/work/main.py", NULL};
    execve(j->cfg->python, argv, program_env);
    _exit(127);
}
