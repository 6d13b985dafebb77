/* The JSON the launcher prints: a run's verdict or sandbox_error, and the zygote's own errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "report.h"

/* Indexed by the bit number of each LAYER_* (jail.h). */
static const char *const layer_names[LAYER_COUNT] = {
    "user_ns", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns", "cgroup_ns", "pivot_root", "rlimits",
    "no_new_privs", "seccomp", "caps_dropped", "unprivileged_uid", "cgroup_v1_limits", "cgroup_v2_limits",
    "per_run_uid", "per_run_nproc"};

/* JSON string from bytes: invalid UTF-8 becomes U+FFFD, control characters are escaped. */
static void json_bytes(FILE *f, const unsigned char *s, size_t n) {
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default:
                if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c); else fputc(c, f);
            }
            i++;
            continue;
        }
        int need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
        int ok = need > 0 && i + (size_t)need < n + 0 + 1 && i + (size_t)need <= n - 0;
        if (ok) {
            uint32_t cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
            for (int k = 1; k <= need; k++) {
                if (i + (size_t)k >= n || (s[i + k] & 0xC0) != 0x80) { ok = 0; break; }
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            if (ok && ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                       (cp >= 0xD800 && cp <= 0xDFFF))) ok = 0;
        }
        if (ok) {
            fwrite(s + i, 1, (size_t)need + 1, f);
            i += (size_t)need + 1;
        } else {
            fputs("\xEF\xBF\xBD", f);
            i++;
        }
    }
    fputc('"', f);
}

/* ", \"layers\": [...]" and, for a framed run with an id, ", \"run_id\": N". */
static void print_layers_and_id(const struct run *r, int bits) {
    printf(", \"layers\": [");
    int first = 1;
    for (int b = 0; b < LAYER_COUNT; b++) if (bits & (1 << b)) { printf("%s\"%s\"", first ? "" : ", ", layer_names[b]); first = 0; }
    printf("]");
    if (r->has_run_id) printf(", \"run_id\": %llu", r->run_id);
}

void report_error(const struct run *r, const char *message, int layers) {
    printf("{\"sandbox_error\": ");
    json_bytes(stdout, (const unsigned char *)message, strlen(message));
    print_layers_and_id(r, layers);
    printf("}\n");
    fflush(stdout);
}

void report_verdict(const struct run *r, const struct verdict *v) {
    printf("{\"exit_code\": %d, \"signal\": %d, \"timed_out\": %s, \"wall_ms\": %ld, \"cpu_ms\": %ld, "
           "\"max_rss_kb\": %ld, \"proof\": %s, \"stdout_truncated\": %s, \"stderr_truncated\": %s, \"stdout\": ",
           v->exit_code, v->signal, v->timed_out ? "true" : "false", v->wall_ms, v->cpu_ms, v->max_rss_kb,
           v->proof_ok ? "true" : "false", v->out->truncated ? "true" : "false", v->err->truncated ? "true" : "false");
    json_bytes(stdout, (unsigned char *)v->out->buf, v->out->len);
    printf(", \"stderr\": ");
    json_bytes(stdout, (unsigned char *)v->err->buf, v->err->len);
    printf(", \"oom_killed\": %s", v->oom_killed ? "true" : "false");
    printf(", \"host_uid\": %u, \"profile\": \"%s\"", v->host_uid, r->cfg->standard_profile ? "standard" : "strict");
    print_layers_and_id(r, v->layers);
    printf(", \"zygote\": %s}\n", r->cfg->zygote ? "true" : "false");
    fflush(stdout);
}

void report_zygote_error(const char *message, int with_id, unsigned long long id) {
    /* Written with one write(2), not stdio: the zygote's stdout is shared with the launchers it forks. The message
     * may come from the interpreter or dlerror(), so it is escaped like any other string and its length is free. */
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f) _exit(3);
    fputs("{\"sandbox_error\": ", f);
    size_t n = strlen(message);
    char prefixed[16 + 4096];
    int p = snprintf(prefixed, sizeof prefixed, "zygote: %.*s", (int)(n > 4096 ? 4096 : n), message);
    json_bytes(f, (const unsigned char *)prefixed, (size_t)p < sizeof prefixed ? (size_t)p : sizeof prefixed - 1);
    fputs(", \"layers\": []", f);
    if (with_id) fprintf(f, ", \"run_id\": %llu", id);
    fputs("}\n", f);
    if (fclose(f) != 0 || write_all(1, line, len) != 0) _exit(3);
    free(line);
}
