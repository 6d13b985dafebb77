/*
 * Moves the zygote's private memory into a sealed memfd, so that forking the zygote copies (almost) no page tables.
 *
 * Why: every run forks the zygote three times (its launcher S, the jail parent C, the program P; see main.c). A
 * fork copies the page-table entries of every private mapping that holds anonymous pages (the interpreter's heap,
 * obmalloc arenas, the written .data and RELRO pages of libpython, libc, libcrypto...: megabytes, thousands of
 * pages), and every exit tears them down again, a cost S and C pay although they never touch the interpreter
 * (Sandbox/bench/zygote_fork.c times fork + exit of the initialised zygote with and without this snapshot).
 *
 * How: after the interpreter is initialised, the contents of each such mapping are written to one memfd and the
 * mapping is replaced, at the same address and with the same protection, by a MAP_PRIVATE mapping of that memfd.
 * The bytes are identical; only their backing changes. A fresh file mapping has no page-table entries and no
 * anon_vma, and fork does not copy the page tables of such a mapping at all: the child faults pages in from the
 * page cache when it touches them (read faults map 16 pages at a time, writes copy the page, exactly as a
 * copy-on-write fault did before). S and C touch almost nothing, so they now cost about what a fork of a small C
 * program costs; P pays only for the pages its program uses.
 *
 * Safety: the mappings are private, so no process ever writes to the memfd through them (a write copies the page
 * into the writer's own memory, as before). The memfd is sealed against writes, growth, shrinking and further seal
 * changes before it is mapped, and its descriptor is closed afterwards, so no process holds it (a program could
 * only reach it through /proc/PID/map_files, which needs CAP_SYS_ADMIN in the initial user namespace). It holds
 * exactly what the zygote's memory held before any run: the interpreter after its imports, and no program text,
 * verdict or key (the zygote never sees any).
 *
 * Between copying and replacing nothing may write to the mappings: the zygote is single-threaded, the code in
 * between writes only its stack (never snapshotted), and the launcher is linked with -z now (Package.swift), so no
 * lazy symbol binding writes a GOT mid-way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#include "zygote.h"

enum { SNAPSHOT_MAX = 512, HOT_MAX = 1024 };

struct region {
    uintptr_t start, end;
    int prot;
};

/* The mappings moved into the memfd (filled before any of them is copied), and the page ranges of them that a
 * representative run writes (zygote_learn_hot_pages). */
static struct region snapped[SNAPSHOT_MAX];
static int nsnapped = 0;
static struct {
    uintptr_t start, end;
} hot[HOT_MAX];
static int nhot = 0;

/* VmFlags of mappings that must keep their own semantics (not-copied or wiped on fork, locked, I/O or PFN maps,
 * hugetlb, userfaultfd-armed, sealed, shadow stacks): such a mapping is left as it is. */
static int flags_forbid(const char *flags) {
    static const char *const forbidden[] = {"dc", "wf", "lo", "io", "pf", "ht", "um", "uw", "ss", "sl", "dd", NULL};
    for (const char *p = flags; *p;) {
        while (*p == ' ') p++;
        if (!*p || *p == '\n') break;
        for (int i = 0; forbidden[i]; i++) {
            if (p[0] == forbidden[i][0] && p[1] == forbidden[i][1] && (p[2] == ' ' || p[2] == '\n' || p[2] == 0))
                return 1;
        }
        while (*p && *p != ' ' && *p != '\n') p++;
    }
    return 0;
}

/* Reads /proc/self/smaps into `buf` (a mapping of its own, marked "dd", so excluded) and lists the
 * private mappings holding anonymous pages. Returns the count, or -1 with `err` set. */
static int list_regions(char *buf, size_t cap, struct region *out, char *err, size_t errlen) {
    int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(err, errlen, "cannot read /proc/self/smaps: %s", strerror(errno)); return -1; }
    size_t len = 0;
    for (;;) {
        if (len + 1 >= cap) { close(fd); snprintf(err, errlen, "/proc/self/smaps is larger than %zu bytes", cap); return -1; }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { close(fd); snprintf(err, errlen, "cannot read /proc/self/smaps: %s", strerror(errno)); return -1; }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;

    int count = 0;
    struct region cur = {0, 0, 0};
    int candidate = 0;
    long anon_kb = 0;
    for (char *line = buf; *line;) {
        char *next = strchr(line, '\n');
        if (next) *next = 0;
        unsigned long a, b;
        char perms[8];
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s%n", &a, &b, perms, &consumed) == 3 && consumed > 0) {
            const char *name = line + consumed;
            while (*name == ' ') name++;
            cur = (struct region){a, b, (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                                            (perms[2] == 'x' ? PROT_EXEC : 0)};
            /* Private, readable, not executable (code stays mapped from its file), not one of the kernel's special
             * mappings (the brk heap aside: brk grows it with a new anonymous mapping after the copy), not the stack
             * we are running on. */
            candidate = perms[3] == 'p' && perms[0] == 'r' && perms[2] != 'x' &&
                        (name[0] != '[' || strcmp(name, "[heap]") == 0);
            anon_kb = 0;
        } else if (strncmp(line, "Anonymous:", 10) == 0) {
            anon_kb = strtol(line + 10, NULL, 10);
        } else if (strncmp(line, "VmFlags:", 8) == 0) {
            /* The last line of each mapping's block. */
            if (candidate && anon_kb > 0 && !flags_forbid(line + 8)) {
                if (count == SNAPSHOT_MAX) { snprintf(err, errlen, "more than %d mappings", SNAPSHOT_MAX); return -1; }
                out[count++] = cur;
            }
            candidate = 0;
        }
        if (!next) break;
        line = next + 1;
    }
    return count;
}

int zygote_snapshot(char *err, size_t errlen) {
    const size_t cap = 4u << 20;
    char *buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) { snprintf(err, errlen, "snapshot: no memory for /proc/self/smaps"); return -1; }
    /* The kernel merges a new anonymous mapping with an adjacent one of the same flags (an obmalloc arena, say), and
     * smaps would then list the buffer and that arena as one mapping, which the check below would skip whole (found
     * by ZygoteTests: a preloaded module's objects outside the snapshot). Marking the buffer "don't dump" gives it
     * flags of its own, hence a mapping of its own, which flags_forbid() leaves out of the snapshot. */
    if (madvise(buf, cap, MADV_DONTDUMP) != 0) {
        snprintf(err, errlen, "snapshot: madvise(MADV_DONTDUMP): %s", strerror(errno));
        munmap(buf, cap);
        return -1;
    }
    struct region *regions = snapped;
    int n = list_regions(buf, cap, regions, err, errlen);
    munmap(buf, cap);
    if (n < 0) return -1;
    nsnapped = 0;

    size_t total = 0;
    for (int i = 0; i < n; i++) total += regions[i].end - regions[i].start;
    int fd = memfd_create("codeeval-zygote", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) { snprintf(err, errlen, "snapshot: memfd_create: %s", strerror(errno)); return -1; }
    if (ftruncate(fd, (off_t)total) != 0) {
        snprintf(err, errlen, "snapshot: cannot size the memfd (%zu bytes): %s", total, strerror(errno));
        close(fd);
        return -1;
    }
    /* Copy everything first: until the first replacement, a failure leaves the zygote exactly as it was. */
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t len = regions[i].end - regions[i].start, done = 0;
        while (done < len) {
            ssize_t w = pwrite(fd, (const char *)regions[i].start + done, len - done, (off_t)(off + done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                snprintf(err, errlen, "snapshot: cannot write the memfd: %s", w < 0 ? strerror(errno) : "short write");
                close(fd);
                return -1;
            }
            done += (size_t)w;
        }
        off += len;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(err, errlen, "snapshot: cannot seal the memfd: %s", strerror(errno));
        close(fd);
        return -1;
    }
    /* Something may have written to a region between its copy and now only if this process did; it did not (it
     * is single-threaded and the code above writes only its stack and this file's descriptor table entry). Each
     * region is replaced by its copy. From the first replacement on a failure cannot be undone: exit. */
    off = 0;
    for (int i = 0; i < n; i++) {
        size_t len = regions[i].end - regions[i].start;
        void *r = mmap((void *)regions[i].start, len, regions[i].prot, MAP_PRIVATE | MAP_FIXED, fd, (off_t)off);
        if (r != (void *)regions[i].start) _exit(3);
        off += len;
    }
    close(fd);
    nsnapped = n;
    return n;
}

/* Why: after the snapshot a run's program process faults in every page it writes, one copy-on-write fault at a
 * time (hundreds for a HumanEval program, a large share of a run's kernel time). Most of those pages are the same in
 * every run: the interpreter's own state that running any program touches. A forked child
 * runs a representative program once (warmup), the pages it wrote are read from its /proc/PID/pagemap, and each
 * run then prefaults those ranges with one MADV_POPULATE_WRITE per range, which copies the same pages without
 * taking a fault for each. It changes no byte a run sees: the pages are copies of the same snapshot either way. */
int zygote_learn_hot_pages(void (*warmup)(void), char *err, size_t errlen) {
    nhot = 0;
    if (nsnapped == 0) return 0;
    pid_t pid = fork();
    if (pid < 0) { snprintf(err, errlen, "warm-up: fork: %s", strerror(errno)); return -1; }
    if (pid == 0) {
        /* Our stdin and stdout are the caller's frame and verdict streams: the warm-up must not touch them. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(120);
        /* Nor hold the launchers' pipes open (the zygote signals a launcher by closing its end). */
        if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
            for (int fd = 3; fd < 1024; fd++) close(fd);
        }
        warmup();
        _exit(120);
    }
    int st = 0, stopped = 0, ended = 0;
    struct timespec tick = {0, 1000000};
    for (int waited = 0; waited < 5000; waited++) {
        pid_t r = waitpid(pid, &st, WUNTRACED | WNOHANG);
        if (r == pid) {
            stopped = WIFSTOPPED(st);
            ended = !stopped;
            break;
        }
        if (r < 0 && errno != EINTR) break;
        nanosleep(&tick, NULL);
    }
    int rc = 0;
    if (!stopped) {
        if (ended) snprintf(err, errlen, "warm-up: the representative run ended (status %#x) instead of stopping", st);
        else snprintf(err, errlen, "warm-up: the representative run did not stop within 5 s");
        rc = -1;
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
        int pm = open(path, O_RDONLY | O_CLOEXEC);
        if (pm < 0) {
            snprintf(err, errlen, "warm-up: cannot read %s: %s", path, strerror(errno));
            rc = -1;
        }
        const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uint64_t entries[512];
        for (int i = 0; pm >= 0 && i < nsnapped && rc == 0; i++) {
            if (!(snapped[i].prot & PROT_WRITE)) continue;
            for (uintptr_t a = snapped[i].start; a < snapped[i].end && rc == 0;) {
                size_t count = (snapped[i].end - a) / page;
                if (count > 512) count = 512;
                ssize_t got = pread(pm, entries, count * sizeof entries[0], (off_t)(a / page * sizeof entries[0]));
                if (got != (ssize_t)(count * sizeof entries[0])) {
                    snprintf(err, errlen, "warm-up: short read of %s", path);
                    rc = -1;
                    break;
                }
                for (size_t k = 0; k < count; k++, a += page) {
                    /* bit 63: present; bit 61: file page. A written page of a private file mapping is anonymous. */
                    if (!(entries[k] >> 63 & 1) || (entries[k] >> 61 & 1)) continue;
                    /* Ranges a page or two apart are joined: populating a page the run may not need costs less
                     * than another madvise call. */
                    if (nhot > 0 && a - hot[nhot - 1].end <= 2 * page && a >= hot[nhot - 1].end) {
                        hot[nhot - 1].end = a + page;
                    } else if (nhot < HOT_MAX) {
                        hot[nhot].start = a;
                        hot[nhot].end = a + page;
                        nhot++;
                    }
                }
            }
        }
        if (pm >= 0) close(pm);
    }
    if (!ended) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    }
    if (rc != 0) nhot = 0;
    return rc == 0 ? nhot : -1;
}

void zygote_prefault(void) {
    /* Best effort: a kernel without MADV_POPULATE_WRITE (before 5.14) refuses it, and the pages fault in as usual. */
    for (int i = 0; i < nhot; i++) (void)madvise((void *)hot[i].start, hot[i].end - hot[i].start, MADV_POPULATE_WRITE);
}
