#ifndef CODEEVAL_SANDBOX_IO_H
#define CODEEVAL_SANDBOX_IO_H
#include <stddef.h>
#include <sys/types.h>
/* Whole reads and writes on pipes and files, retried after EINTR and short transfers. */

/* Writes all `len` bytes. 0, or -1 when the descriptor fails or takes nothing. */
int write_all(int fd, const void *data, size_t len);
/* Reads until `want` bytes or end of input. The number of bytes read, or -1 on an error. */
ssize_t read_full(int fd, void *buf, size_t want);
/* Writes `text` to the existing file `path` in one write, as /proc and cgroup files take it. 0, or -1 with errno set
 * (EIO for a short write). */
int write_text(const char *path, const char *text);
#endif
