#ifndef CODEEVAL_SANDBOX_POLICY_H
#define CODEEVAL_SANDBOX_POLICY_H
/* Every function here returns 0 on success; on failure -1, with *failure naming the rule or call that failed (for
 * the error message). */

/* Loads the seccomp filter into the calling thread (after PR_SET_NO_NEW_PRIVS). standard != 0 allows
 * process creation inside the namespace; strict (0) allows threads only. */
int sandbox_load_policy(int standard, const char **failure);
/* The same filter built once and kept as a BPF program (a zygote builds it before any run), and loading such a
 * program into the calling thread (after PR_SET_NO_NEW_PRIVS): the filter each run gets is bit for bit the one
 * sandbox_load_policy would build, without rebuilding it with libseccomp every time. */
struct sock_fprog;
int sandbox_export_policy(int standard, struct sock_fprog *out, const char **failure);
int sandbox_load_exported(const struct sock_fprog *prog, const char **failure);
#endif
