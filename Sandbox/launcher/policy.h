#ifndef CODEEVAL_SANDBOX_POLICY_H
#define CODEEVAL_SANDBOX_POLICY_H
/* Loads the seccomp filter into the calling thread (after PR_SET_NO_NEW_PRIVS). standard != 0 allows
 * process creation inside the namespace; strict (0) allows threads only. Returns 0 on success. */
int sandbox_load_policy(int standard);
/* The rule that failed, for the error message. */
extern const char *sandbox_policy_failure;
#endif
