/// The Python side of HumanEval+/MBPP+ evaluation (our own text, written from EvalPlus's documented behaviour).
///
/// One program runs one phase (base or plus inputs) of one task inside the sandbox. `prelude` (after the
/// parameters, as globals) keeps a private copy of stdout for the report and points fds 1 and 2 at /dev/null (the
/// code under test runs with its output swallowed, as EvalPlus does) and loads the inputs. Then:
/// - ground truth (`groundTruth`; trusted dataset code only) calls the entry point on a deep
///   copy of every input, timing each call, and reports the pickled outputs (base64) and the times;
/// - a candidate runs through the verdict guard (`ProofOfPass.judge`): `prelude` + `candidateSetup` are the
///   trusted part, run before the candidate's code (the expected outputs are decoded, or recomputed from the
///   reference solution, and the per-input alarm installed, where the candidate cannot reach them); the candidate
///   is loaded as EvalPlus loads it (no `__name__` of its own, so `if __name__ == "__main__":` blocks do not run);
///   `candidateTest` calls the (guarded) entry point on every input under a per-input `ITIMER_REAL` limit, compares
///   each output with the expected one against the pristine builtins and stops at the first failure unless all
///   details are requested.
/// The report is one JSON line; the key is written to fd 4 only after it, so a run that dies or exits early
/// reports nothing that counts.
enum EvalPlusHarness {
    /// The ground truth reads the key itself (trusted code only; no candidate runs in it).
    static let groundTruthKey = #"""
import os
key = os.read(3, 64)
os.close(3)

"""#

    static let prelude = #"""
import base64, copy, json, os, pickle, signal, time
report_fd = os.dup(1)
sink = os.open("/dev/null", os.O_WRONLY)
os.dup2(sink, 1)
os.dup2(sink, 2)
os.close(sink)
dumps, write = json.dumps, os.write  # bound before any candidate code runs


def emit(obj):
    data = (dumps(obj) + "\n").encode()
    while data:
        data = data[write(report_fd, data):]


def describe(e):
    text = str(e)
    if len(text) > 300:
        text = text[:300] + "..."
    return type(e).__name__ + (": " + text if text else "")


# MBPP+ inputs are JSON, which has no tuples, sets or complex numbers: restore the argument types each task's
# ground truth was generated with (the same conversions as EvalPlus's loader, written as a table).
T = tuple
def deep_tuple(v):
    return T(deep_tuple(x) for x in v) if isinstance(v, list) else v
conversions = [
    ((2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744,
      809), lambda a: [T(x) for x in a]),
    ((63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780),
     lambda a: [[T(y) for y in x] for x in a]),
    ((75, 413, 444, 753), lambda a: [[T(y) for y in a[0]], a[1]]),
    ((106, 750), lambda a: [a[0], T(a[1])]),
    ((115,), lambda a: [[set(y) if isinstance(y, list) and y else {} for y in a[0]]]),
    ((124,), lambda a: [float(a[0]), complex(a[1])]),
    ((250, 405, 446, 617, 720, 763, 808), lambda a: [T(a[0]), a[1]]),
    ((259, 401, 445), lambda a: [T(T(y) for y in x) for x in a]),
    ((278,), lambda a: [T(T(y) if isinstance(y, list) else y for y in a[0])]),
    ((307,), lambda a: [T(a[0]), a[1], a[2]]),
    ((722,), lambda a: [{k: T(v) for k, v in a[0].items()}] + a[1:]),
    ((252,), lambda a: [complex(a[0])]),
    ((580, 615, 791), deep_tuple),
]
inputs = json.loads(INPUTS)
if DATASET == "mbpp":
    for numbers, convert in conversions:
        if TASK_NUMBER in numbers:
            inputs = [convert(a) for a in inputs]



def reference_outputs(code):
    namespace = {}
    exec(compile(code, "<ground truth>", "exec"), namespace)
    fn = namespace[ENTRY]
    outputs, times = [], []
    for args in inputs:
        args = copy.deepcopy(args)
        start = time.perf_counter()
        outputs.append(fn(*args))
        times.append(time.perf_counter() - start)
    if NOT_NONE:
        outputs = [o is not None for o in outputs]
    return outputs, times

"""#

    static let groundTruth = #"""
try:
    outputs, times = reference_outputs(CODE)
    data = pickle.dumps(outputs)
    # Outputs too large to ship inside every candidate's program (HumanEval/15's are 147 MB) are recomputed
    # inside each candidate run instead, before the candidate's code is loaded.
    encoded = None if len(data) > INLINE_ABOVE else base64.b64encode(data).decode("ascii")
    emit({"expected": encoded, "times": times})
except BaseException as e:
    emit({"error": describe(e)})
    raise SystemExit(1)
write(4, key)

"""#

    static let candidateSetup = #"""
if EXPECTED is None:
    # Like EvalPlus's forked worker, the candidate starts with the expected outputs already in memory and its own
    # address-space limit applied after that (the launcher's limit was the ground truth's).
    expected = reference_outputs(REFERENCE)[0]
    if AS_LIMIT:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
else:
    expected = pickle.loads(base64.b64decode(EXPECTED))


class TimeLimit(BaseException):
    pass


def on_alarm(signum, frame):
    raise TimeLimit()


# Installed before the guard snapshots the signal handlers: it puts this one back after every call.
signal.signal(signal.SIGALRM, on_alarm)

"""#

    /// The tests: they name the entry point, so the guard hands them the candidate's function, guarded.
    static func candidateTest(entryPoint: String) -> String {
        candidateChecks + "try:\n    judged_function = " + entryPoint + "\n" + candidateLoop
    }

    static let candidateChecks = #"""
import math, signal


def is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(v, float) for v in x)
    return False

def close(a, b, tol):
    # numpy.allclose(a, b, rtol=1e-7, atol=tol) for numbers and equal-length (nested) sequences.
    seq = (list, tuple)
    if isinstance(a, seq) or isinstance(b, seq):
        if not (isinstance(a, seq) and isinstance(b, seq)) or len(a) != len(b):
            return False
        return all(close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return False
    if not isinstance(a, complex) and not isinstance(b, complex):
        a, b = float(a), float(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
    return abs(a - b) <= tol + 1e-7 * abs(b)

def pyramid_surface(base_edge, height):  # Mbpp/581: height is the apex's perpendicular distance
    slant = math.sqrt((base_edge / 2) ** 2 + height ** 2)
    return round(base_edge ** 2 + 4 * (base_edge * slant) / 2)

def digit_distance(a, b):  # Mbpp/558: pad the shorter number with leading zeros
    sa, sb = str(a), str(b)
    width = max(len(sa), len(sb))
    return sum(abs(int(x) - int(y)) for x, y in zip(sa.zfill(width), sb.zfill(width)))

set_equal_tasks = ("similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
                   "intersection_array", "find_dissimilar", "Diff")

def matches(out, exp, args):
    if DATASET == "humaneval" and ENTRY == "find_zero":
        return abs(sum(c * math.pow(out, i) for i, c in enumerate(args[0]))) <= ATOL
    same = out == exp
    if DATASET == "mbpp":
        if ENTRY == "are_equivalent":
            same = True
        elif ENTRY == "sum_div":
            same = same or out == 0
        elif ENTRY == "surface_Area":
            same = same or abs(out - pyramid_surface(*args)) <= ATOL
        elif ENTRY == "digit_distance_nums":
            same = same or out == digit_distance(*args)
        elif ENTRY in set_equal_tasks:
            same = set(out) == set(exp)
        elif NOT_NONE:
            same = out == exp if isinstance(out, bool) else exp == (out is not None)
    tol = ATOL
    if tol == 0 and is_floats(exp):
        tol = 1e-6
    if same:
        return True
    if tol == 0:
        return False
    if type(out) != type(exp):
        return False
    if isinstance(exp, (list, tuple)) and len(out) != len(exp):
        return False
    return close(out, exp, tol)



failed, errors, done = [], [], 0
status = "pass"

"""#

    static let candidateLoop = #"""
    for i, args in enumerate(inputs):
        try:
            signal.setitimer(signal.ITIMER_REAL, LIMITS[i])
            try:
                out = judged_function(*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            ok = bool(matches(out, expected[i], args))
            why = "wrong output"
        except TimeLimit:
            ok, why = False, "time limit of %.3g s exceeded" % LIMITS[i]
        except BaseException as e:
            ok, why = False, describe(e)
        done += 1
        if not ok:
            status = "fail"
            failed.append(i)
            errors.append(why)
            if FAST:
                break
except BaseException as e:
    status = "fail"
    errors.append(describe(e))
emit({"status": status, "done": done, "failed": failed, "errors": errors[:5]})

"""#
}
