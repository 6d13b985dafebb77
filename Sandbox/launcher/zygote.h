#ifndef CODEEVAL_SANDBOX_ZYGOTE_H
#define CODEEVAL_SANDBOX_ZYGOTE_H
#include <stddef.h>
/* The zygote (--zygote): its server loop (zygote.c), its embedded interpreter (python_embed.c) and the snapshot of
 * its memory (snapshot.c). */
struct config;
struct run;

/* zygote.c: initialises the interpreter once, then forks a launcher per run and watches them until stdin ends.
 * Returns the exit status (0 = shut down by the caller, 3 = the zygote failed and said why on stdout). */
int zygote_serve(struct config *cfg);
/* In a zygote's launcher: tells the zygote that the run's frame was read ('F') or its verdict printed ('V'). Does
 * nothing in a per-run launcher. */
void zygote_notify(const struct run *r, char kind);

/* python_embed.c */
/* 0 if a zygote can run here: `python` resolves to the interpreter version this launcher embeds and its shared
 * library loads. Else -1 and the reason in err. */
int zygote_python_check(const char *python, char *err, size_t errlen);
/* Loads libpython and initialises it as `python -I -S -B` would be, then imports the standard-library modules runs
 * commonly use, and defines the verdict guard from `judge_harness` (if not NULL) for the runs that ask for it. Called
 * once, in the zygote, before any run exists. 0 on success, else a reason in err. */
int zygote_python_init(const char *python, const char *judge_harness, char *err, size_t errlen);
/* Runs the program file in the inherited interpreter and exits with its status, like `python3 path`. Called only
 * in a run's program process, after every isolation layer (where the per-run launcher would execve). */
void zygote_python_run(const char *path) __attribute__((noreturn));
/* snapshot.c */
/* Moves the zygote's private memory into a sealed memfd mapped privately at the same addresses (snapshot.c), so
 * forks of the zygote copy no page tables for it. Called once, after every initialisation and before the first
 * fork. Returns the number of mappings moved, or -1 with the reason in err (the zygote is then unchanged). */
int zygote_snapshot(char *err, size_t errlen);
/* After the snapshot: forks a child that calls `warmup` (which must run a representative program and stop itself
 * with SIGSTOP), records which snapshot pages it wrote, and kills it. Returns the number of page ranges, or -1 with
 * the reason in err (runs then prefault nothing). */
int zygote_learn_hot_pages(void (*warmup)(void), char *err, size_t errlen);
/* In a run's program process: prefaults (writes) the ranges zygote_learn_hot_pages found, in one call per range. */
void zygote_prefault(void);
/* The warm-up for zygote_learn_hot_pages (python_embed.c): runs a representative program through the same entry
 * point as a run, then stops itself. Called only in that child. */
void zygote_python_warmup(void) __attribute__((noreturn));
#endif
