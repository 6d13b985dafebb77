#ifndef CODEEVAL_SANDBOX_CONFIG_H
#define CODEEVAL_SANDBOX_CONFIG_H
/* The run configuration: the command line's limits and modes (config.c parses and checks them). One struct per
 * launcher process, passed by pointer. The jail's parent C and its pid 1 G share memory (jail.c), so G's update of
 * cpu_s from the program header is what the program process P applies. */
struct config {
    long timeout_ms;   /* wall clock; a --framed header sets it per run */
    long cpu_s;        /* RLIMIT_CPU; a --framed header sets it per run */
    long mem_mb;       /* RLIMIT_AS and the cgroup memory limit */
    long fsize_mb;
    long nofile;
    long nproc;        /* RLIMIT_NPROC; the cgroup pids limit is this + 2 (C and G) */
    long out_cap;      /* bytes of stdout and of stderr kept */
    long work_mb;      /* size of the /work tmpfs */
    long max_program;
    int standard_profile;  /* seccomp profile: 0 strict, 1 standard */
    int allow_degraded;    /* run without cgroups or namespaces instead of failing closed */
    int framed;
    int zygote;
    int no_snapshot;
    const char *python;
    const char *cgroup_root;
    const char *judge_harness; /* --zygote: the verdict guard's source, defined once in the zygote (or NULL) */
};

/* The defaults, before any option. */
extern const struct config config_defaults;

/* The largest per-run limits, for the options and for a frame header alike. */
enum { CONFIG_TIMEOUT_MS_MAX = 3600000, CONFIG_CPU_S_MAX = 3600 };

/* Applies one command-line option `name` with the next argument `value` (NULL when there is none). Returns how
 * many arguments it used (1 or 2), or 0 when `name` is no option or lacks its value. Exits 2 on a bad number. */
int config_option(struct config *cfg, const char *name, const char *value);

/* Prints the usage text on stderr and exits 2. */
void config_usage(void) __attribute__((noreturn));
#endif
