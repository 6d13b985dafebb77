#ifndef CODEEVAL_SANDBOX_ZYGOTE_H
#define CODEEVAL_SANDBOX_ZYGOTE_H
#include <stddef.h>
/* The embedded interpreter of a zygote launcher (python_embed.c). */

/* 0 if a zygote can run here: `python` resolves to the interpreter version this launcher embeds and its shared
 * library loads. Else -1 and the reason in err. */
int zygote_python_check(const char *python, char *err, size_t errlen);
/* Loads libpython and initialises it as `python -I -S -B` would be, then imports the standard-library modules runs
 * commonly use. Called once, in the zygote, before any run exists. 0 on success, else a reason in err. */
int zygote_python_init(const char *python, char *err, size_t errlen);
/* Runs the program file in the inherited interpreter and exits with its status, like `python3 path`. Called only
 * in a run's program process, after every isolation layer (where the per-run launcher would execve). */
void zygote_python_run(const char *path) __attribute__((noreturn));
#endif
