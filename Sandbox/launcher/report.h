#ifndef CODEEVAL_SANDBOX_REPORT_H
#define CODEEVAL_SANDBOX_REPORT_H
/* The launcher's output on stdout: one JSON object per run, its verdict or a sandbox_error (report.c). The Swift
 * side (Sources/Sandbox/Runner.swift, Zygote.swift) parses these fields. */
#include "supervisor.h"

struct verdict {
    int exit_code;     /* -1 unless the program exited */
    int signal;        /* the signal that killed it, else 0 */
    int timed_out;
    long wall_ms;
    long cpu_ms;       /* -1 after a timeout */
    long max_rss_kb;   /* -1 after a timeout */
    int proof_ok;      /* the program wrote back the run's proof key */
    int oom_killed;
    unsigned host_uid;
    int layers;        /* LAYER_* bits */
    const struct capture *out, *err;
};

/* The run's verdict line. */
void report_verdict(const struct run *r, const struct verdict *v);
/* A sandbox_error line for the run, with the layers established before the failure. */
void report_error(const struct run *r, const char *message, int layers);
/* A zygote's own sandbox_error line (its failures, and launchers that died mid-run), written straight to fd 1;
 * exits 3 if it cannot be written. */
void report_zygote_error(const char *message, int with_id, unsigned long long id);
#endif
