#ifndef CODEEVAL_SANDBOX_SUPERVISOR_H
#define CODEEVAL_SANDBOX_SUPERVISOR_H
/* The supervisor: the launcher process's side of one run (supervisor.c), reading its program (frame.c). */
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "jail.h"

/* One of the program's output pipes, read into a buffer of `cap` bytes; the rest is dropped (truncated). */
struct capture {
    int fd;        /* -1 once at end of file */
    char *buf;
    size_t len;
    size_t cap;
    int truncated;
};

/* One run, as the supervisor sees it. */
struct run {
    struct config *cfg;                  /* a --framed header sets this run's timeout_ms and cpu_s */
    const struct zygote_image *zygote;   /* NULL in a per-run launcher */
    /* A zygote's launcher tells the zygote over notify_fd when it has read its whole frame and when its verdict is
     * out (zygote_notify), and waits on turn_fd for its turn to read the frame stream. -1 in a per-run launcher. */
    int notify_fd;
    int turn_fd;
    int frame_done;      /* this run's frame was taken (or is being read): an error now answers it */
    int has_run_id;
    unsigned long long run_id;   /* a frame's fourth field, echoed in the verdict */
    pid_t jail_pid;      /* C once forked (0 before, and again once reaped: never signal a pid already waited for) */
    struct run_cgroups cgroups;  /* version 0 when the run has none (degraded) */
};

/* One run: build the jail, read the program, run it, print the verdict (the per-run launcher's whole life, and each
 * of a zygote's launchers'). Returns the launcher's exit status. */
int launch(struct config *cfg, const struct zygote_image *zygote, int notify_fd, int turn_fd);

/* Prints a sandbox_error verdict for the run (after taking its frame, in a zygote's launcher that has not yet),
 * kills the jail, removes its cgroups and exits 3. */
void launcher_fail(struct run *r, const char *message, int layers) __attribute__((noreturn));

/* The program text (frame.c), capped at --max-program. Unframed: everything up to end of input. Framed: a header
 * line "<length> <timeout-ms> <cpu-s> [<run-id>]\n" (the per-run limits that do not shape the jail, so one
 * pre-spawned launcher fits runs with different time limits), then exactly <length> bytes. NULL = the frame never
 * came (cancelled). */
char *read_program(struct run *r, size_t *out_len);
#endif
