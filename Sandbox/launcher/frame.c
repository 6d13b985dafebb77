/* Reading the run's program from stdin (one frame in --framed and --zygote mode); see read_program. */
#include <stdio.h>
#include <stdlib.h>

#include "io.h"
#include "supervisor.h"

/* Reads up to `want` bytes of stdin into buf; returns how many arrived before end of input. */
static size_t read_stdin(struct run *r, char *buf, size_t want) {
    ssize_t got = read_full(0, buf, want);
    if (got < 0) launcher_fail(r, "cannot read the program from stdin", 0);
    return (size_t)got;
}

/* The header line of a frame; 0 when the input ended first. */
static int read_header(struct run *r, char *line, size_t size) {
    size_t n = 0;
    for (;;) {
        if (n + 1 >= size) launcher_fail(r, "malformed program frame header", 0);
        if (read_stdin(r, line + n, 1) != 1) return 0;
        if (line[n] == '\n') break;
        n++;
    }
    line[n] = 0;
    return 1;
}

char *read_program(struct run *r, size_t *out_len) {
    struct config *cfg = r->cfg;
    size_t cap = (size_t)cfg->max_program;
    if (r->turn_fd >= 0) {
        /* Wait until the launchers forked before us have taken their frames; end of file = shut down. */
        char turn;
        if (read_full(r->turn_fd, &turn, 1) != 1) return NULL;
    }
    /* From here on an error answers this frame (a zygote's launcher must not try to read another one). */
    r->frame_done = 1;
    if (!cfg->framed) {
        char *program = malloc(cap + 1);
        if (!program) launcher_fail(r, "out of memory", 0);
        size_t len = read_stdin(r, program, cap + 1);
        if (len > cap) launcher_fail(r, "program larger than the 16 MiB limit", 0);
        *out_len = len;
        return program;
    }
    char line[96];
    if (!read_header(r, line, sizeof line)) return NULL;
    unsigned long long length, id = 0;
    long timeout_ms, cpu_s;
    char extra;
    /* An optional fourth field is the caller's run id, echoed in the verdict ("run_id"): a zygote's caller matches
     * each verdict line to its run with it. */
    int fields = sscanf(line, "%llu %ld %ld %llu %c", &length, &timeout_ms, &cpu_s, &id, &extra);
    if (fields == 4) { r->has_run_id = 1; r->run_id = id; }
    if ((fields != 3 && fields != 4) || timeout_ms < 1 || timeout_ms > CONFIG_TIMEOUT_MS_MAX || cpu_s < 1 ||
        cpu_s > CONFIG_CPU_S_MAX)
        launcher_fail(r, "malformed program frame header", 0);
    if (length > cap) launcher_fail(r, "program larger than the 16 MiB limit", 0);
    cfg->timeout_ms = timeout_ms;
    cfg->cpu_s = cpu_s;
    char *program = malloc(length + 1);
    if (!program) launcher_fail(r, "out of memory", 0);
    if (read_stdin(r, program, (size_t)length) != (size_t)length) { free(program); return NULL; }
    *out_len = (size_t)length;
    return program;
}
