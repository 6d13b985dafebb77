/*
 * codeeval-sandbox: runs one untrusted Python program in a jail and reports what happened as one JSON
 * object on stdout. The program text is read from stdin; it never touches the host filesystem.
 *
 * Layers, in the order they are applied (each one recorded in the "layers" field of the result), and the file
 * that applies each:
 *   supervisor S (this process, host side; supervisor.c)
 *     1. creates the run's pipes and its cgroups under its own (cgroup.c: v2 memory.max + memory.swap.max=0 +
 *        pids.max, or v1 memory.limit_in_bytes = memsw limit + pids.max; unavailable = fail closed unless
 *        --allow-degraded), then forks the jail's parent C, all before it reads the program (frame.c: capped; with
 *        --framed a "<length> <timeout-ms> <cpu-s>\n" header first, and end of input before a whole frame cancels
 *        the run: jail killed, cgroups removed, exit 4, no report). Then it starts the wall clock, hands the program
 *        to G, collects the output, the proof and G's report, and prints the verdict (report.c).
 *   C (host pid namespace, becomes unprivileged; jail.c)
 *     1b. joins the run's cgroups (while still root), so G, P and every descendant are in them.
 *     2. setresgid/setresuid to a per-run unprivileged host uid (user_ns.c; so RLIMIT_NPROC applies even when we
 *        are root), PR_SET_PDEATHSIG=SIGKILL (dies with the supervisor), dumpable again so it can write its id maps.
 *     3. unshare(user, mount, pid, net, ipc, uts, cgroup; what each gives is listed at JAIL_NAMESPACES in jail.c);
 *        uid/gid maps: inside uid 1000 -> the host uid, setgroups denied (user_ns.c).
 *     4. clones G, which is pid 1 of the new pid namespace, into C's own memory (CLONE_VM | CLONE_VFORK: C is
 *        suspended until G exits, so G costs no copy of the address space); C then reaps it. Killing C (timeout)
 *        kills G through PDEATHSIG, and the death of pid 1 makes the kernel kill every process left in the namespace.
 *   G (pid 1, tiny init; jail_init.c)
 *     5. filesystem (mount_ns.c): a fresh tmpfs root with read-only binds of /usr, a generated /etc, a fresh /proc,
 *        a minimal /dev, a size-limited noexec tmpfs /work, pivot_root into it, / read-only.
 *     6. hostname "sandbox"; G waits for the program on the program pipe (its CPU limit comes with it) and writes
 *        it to /work/main.py; G forks P and reaps until P exits, then reports P's wait status and rusage on the
 *        status pipe.
 *   P (the program; program.c)
 *     7. setsid (no controlling tty: TIOCSTI is also filtered), signal mask cleared and dispositions reset,
 *        rlimits (rlimits.c: AS, CPU, FSIZE, NOFILE, NPROC, STACK, CORE=0, MEMLOCK=0, MSGQUEUE=0), capabilities
 *        dropped (caps.c: bounding set and capset), fds closed (close_range) except 0 (/dev/null), 1, 2 (pipes),
 *        3 (proof key in), 4 (proof out); clean environment.
 *     8. PR_SET_NO_NEW_PRIVS, then the seccomp allow-list (policy.c: profile strict or standard; default action
 *        EPERM, a kill list of never-legitimate calls reported as "violation", foreign architectures killed), then
 *        execve(python, -I -S -B /work/main.py).
 *
 * --zygote (zygote.c): the same, many times over. The process initialises an embedded interpreter once
 * (python_embed.c) and keeps per-run launchers (forks of itself running exactly the steps above) built ahead; in
 * step 8 the program runs in the interpreter inherited through fork instead of execve.
 *
 * Exit status of this launcher: 0 when a result was printed (whatever the program did), 3 for a sandbox error
 * (also printed as JSON with "sandbox_error"), 2 for usage errors, 4 for a --framed run cancelled before its
 * program arrived (nothing printed, nothing ran).
 *
 * This file only reads the command line (config.c) and starts the mode it asks for.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "supervisor.h"
#include "zygote.h"

int main(int argc, char **argv) {
    struct config cfg = config_defaults;
    int zygote_check = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--zygote-check") == 0) { zygote_check = 1; continue; }
        int used = config_option(&cfg, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
        if (used == 0) config_usage();
        i += used - 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (zygote_check) {
        /* Whether --zygote can work here (the caller's default depends on it): "ok", or the reason. */
        char err[400];
        if (zygote_python_check(cfg.python, err, sizeof err) != 0) { printf("%s\n", err); return 3; }
        printf("ok\n");
        return 0;
    }
    if (cfg.zygote) return zygote_serve(&cfg);
    return launch(&cfg, NULL, -1, -1);
}
