/*
 * libFuzzer target: the launcher's input handling, linked with its own config.c, frame.c and io.c.
 * The first byte picks what the rest is:
 *   even: a command line (arguments separated by NUL bytes), applied option by option as main.c does;
 *   odd:  stdin of a run (a --framed frame when bit 1 is set, else an unframed program), read by read_program.
 * The launcher answers bad input by reporting and exiting (config_usage, parse_long's exit(2), launcher_fail):
 * here those return to the harness instead (exit is wrapped with -Wl,--wrap=exit), so an input that is rejected
 * is an ordinary outcome and only memory errors, reads past the input and hangs are findings. A frame that is
 * accepted must carry limits within the options' ranges and exactly the announced number of bytes.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "supervisor.h"

static jmp_buf rejected;
/* Set only while launcher code runs: libFuzzer's own exit (at the end of a run) must stay an exit. */
static int inside;

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) {
    if (!inside) __real_exit(status);
    longjmp(rejected, 1);
}

/* The real one prints a sandbox_error verdict and exits; here the rejection returns to the harness. */
void launcher_fail(struct run *r, const char *message, int layers) {
    (void)r, (void)message, (void)layers;
    longjmp(rejected, 1);
}

static void parse_argv(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = 0;
    char *argv[64];
    int argc = 0;
    for (size_t i = 0; i <= size && argc < 63;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    struct config cfg = config_defaults;
    inside = 1;
    if (setjmp(rejected) == 0) {
        for (int i = 0; i < argc; i++) {
            int used = config_option(&cfg, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
            if (used == 0) break;
            i += used - 1;
        }
        if (cfg.timeout_ms < 1 || cfg.timeout_ms > CONFIG_TIMEOUT_MS_MAX || cfg.cpu_s < 1 || cfg.cpu_s > CONFIG_CPU_S_MAX ||
            cfg.mem_mb < 16 || cfg.nproc < 1 || cfg.nofile < 8 || cfg.work_mb < 1 || cfg.out_cap < 0)
            abort();
    }
    inside = 0;
    free(copy);
}

static void read_stdin(const uint8_t *data, size_t size, int framed) {
    int fds[2];
    if (pipe(fds) != 0) abort();
    /* Inputs are capped below the pipe's 64 KiB, so the write never blocks. */
    if (size && write(fds[1], data, size) != (ssize_t)size) abort();
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    struct config cfg = config_defaults;
    cfg.framed = framed;
    cfg.max_program = 4096;
    struct run r;
    memset(&r, 0, sizeof r);
    r.cfg = &cfg;
    r.turn_fd = -1;
    char *program = NULL;
    size_t len = 0;
    inside = 1;
    if (setjmp(rejected) == 0) {
        program = read_program(&r, &len);
        if (program) {
            if (len > (size_t)cfg.max_program || len > size) abort();
            if (framed && (cfg.timeout_ms < 1 || cfg.timeout_ms > CONFIG_TIMEOUT_MS_MAX || cfg.cpu_s < 1 || cfg.cpu_s > CONFIG_CPU_S_MAX))
                abort();
            free(program);
        }
    }
    inside = 0;
    dup2(saved, 0);
    close(saved);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > 60000) return 0;
    if (data[0] % 2 == 0) parse_argv(data + 1, size - 1);
    else read_stdin(data + 1, size - 1, (data[0] & 2) != 0);
    return 0;
}
