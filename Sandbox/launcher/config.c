/* The launcher's command-line options: defaults, ranges and usage text (main.c walks argv). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

const struct config config_defaults = {
    .timeout_ms = 3000, .cpu_s = 4, .mem_mb = 1024, .fsize_mb = 16, .nofile = 64, .nproc = 32, .out_cap = 1 << 20,
    .work_mb = 64, .max_program = 16 << 20, .python = "/usr/bin/python3", .cgroup_root = "/sys/fs/cgroup",
};

static long parse_long(const char *name, const char *value, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || v < min || v > max) {
        fprintf(stderr, "codeeval-sandbox: invalid value for %s: %s (expected %ld..%ld)\n", name, value, min, max);
        exit(2);
    }
    return v;
}

/* Whether `a` is the option `name` and has its value. */
static int with_value(const char *a, const char *name, const char *value) {
    return value && strcmp(a, name) == 0;
}

int config_option(struct config *cfg, const char *a, const char *v) {
    if (with_value(a, "--timeout-ms", v)) cfg->timeout_ms = parse_long(a, v, 1, CONFIG_TIMEOUT_MS_MAX);
    else if (with_value(a, "--cpu-s", v)) cfg->cpu_s = parse_long(a, v, 1, CONFIG_CPU_S_MAX);
    else if (with_value(a, "--mem-mb", v)) cfg->mem_mb = parse_long(a, v, 16, 1 << 20);
    else if (with_value(a, "--fsize-mb", v)) cfg->fsize_mb = parse_long(a, v, 0, 1 << 16);
    else if (with_value(a, "--nofile", v)) cfg->nofile = parse_long(a, v, 8, 1 << 16);
    else if (with_value(a, "--nproc", v)) cfg->nproc = parse_long(a, v, 1, 1 << 16);
    else if (with_value(a, "--output-cap", v)) cfg->out_cap = parse_long(a, v, 0, 1L << 30);
    else if (with_value(a, "--work-mb", v)) cfg->work_mb = parse_long(a, v, 1, 1 << 16);
    else if (with_value(a, "--python", v)) cfg->python = v;
    else if (with_value(a, "--cgroup-root", v)) cfg->cgroup_root = v;
    else if (with_value(a, "--judge-harness", v)) cfg->judge_harness = v;
    else if (with_value(a, "--profile", v)) {
        if (strcmp(v, "strict") == 0) cfg->standard_profile = 0;
        else if (strcmp(v, "standard") == 0) cfg->standard_profile = 1;
        else return 0;
    } else {
        if (strcmp(a, "--allow-degraded") == 0) cfg->allow_degraded = 1;
        else if (strcmp(a, "--framed") == 0) cfg->framed = 1;
        else if (strcmp(a, "--zygote") == 0) cfg->zygote = cfg->framed = 1;
        else if (strcmp(a, "--no-snapshot") == 0) cfg->no_snapshot = 1;
        else return 0;
        return 1;
    }
    return 2;
}

void config_usage(void) {
    fprintf(stderr,
            "usage: codeeval-sandbox [--timeout-ms N] [--cpu-s N] [--mem-mb N] [--fsize-mb N] [--nofile N]\n"
            "                        [--nproc N] [--output-cap BYTES] [--work-mb N] [--profile strict|standard]\n"
            "                        [--python PATH] [--cgroup-root DIR] [--allow-degraded] [--framed | --zygote [--no-snapshot] [--judge-harness SOURCE]]\n"
            "                        < program.py\n"
            "       codeeval-sandbox [--python PATH] --zygote-check\n"
            "Runs the Python program read from stdin in a jail and prints one JSON result object. The jail is built\n"
            "before the program is read. --framed: stdin is \"<length> <timeout-ms> <cpu-s>\\n\" then the program;\n"
            "end of input before that = cancelled (exit 4, no output). --zygote: framed runs one after another, each\n"
            "header with a fourth field, the run id (echoed as \"run_id\"), one JSON verdict line per run, exit at end of input.\n"
            "--no-snapshot: the zygote keeps its memory anonymous (each fork copies its page tables; for A/B measurements).\n"
            "--judge-harness: Python source defining __codeeval_judge, defined once in the zygote; a program whose first\n"
            "line is \"#codeeval:judge\" finds it in its globals instead of defining it itself.\n"
            "--zygote-check: prints \"ok\" (exit 0) if --zygote can run with this interpreter, else why not (exit 3).\n");
    exit(2);
}
