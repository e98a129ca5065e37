"""The program of a pooled Python runtime (runtime-pool.ts, python-pool-launch.ts).

Started ahead of need as `<venv>/bin/python python-pool-host.py PROGRAM MODULE...`,
it imports the modules its instances will import (the web framework: those
the venv has; a missing one is no error), says `warm` on fd 3 and waits. On
fd 3 it then gets one revision to become, as one JSON line: working
directory, whole environment (PORT and all) and argv (script first). It
closes fd 3 and runs the script as `python script.py` would: sys.argv,
sys.path[0], os.environ and the working directory as that command sets
them, the script run in a new __main__ module in this, the main thread
(not runpy.run_path, which puts the script's absolute path in sys.argv[0]
and gives __main__ back to this host afterwards). From there on the
process is that instance: its output goes to the pipes the runtime reads,
SIGTERM reaches the service's own handler (uvicorn's drain).
"""
import builtins
import importlib
import importlib.machinery
import json
import os
import sys
import types

CONTROL_FD = 3


def started_with():
    """The environment this process was exec'd with (Python's start may have added to its own: LC_CTYPE)."""
    try:
        with open("/proc/self/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return dict(os.environ)
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {os.fsdecode(name): os.fsdecode(value) for name, value in pairs}


def read_hand_over():
    received = b""
    while b"\n" not in received:
        chunk = os.read(CONTROL_FD, 65536)
        if not chunk:
            # The runtime gave up on this process (shutdown): no instance, nothing to do.
            sys.exit(0)
        received += chunk
    os.close(CONTROL_FD)
    hand_over = json.loads(received[: received.index(b"\n")])
    cwd, env, argv = hand_over["cwd"], hand_over["env"], hand_over["argv"]
    if not (isinstance(cwd, str) and isinstance(env, dict) and isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
        raise ValueError("runtime pool: bad hand-over")
    return cwd, env, argv


def become(program, cwd, env, argv, added):
    os.chdir(cwd)
    # os.environ writes through to the C environment: what the service starts, and native code, see the same.
    os.environ.clear()
    os.environ.update(env)
    # A fresh interpreter started with this environment would have added the same (C locale coercion: LC_CTYPE).
    os.environ.update(added)
    script = argv[0]
    sys.argv = list(argv)
    sys.orig_argv = [program, *argv]
    if not getattr(sys.flags, "safe_path", False):
        # What `python script.py` puts first on sys.path: the script's directory, symlinks resolved.
        sys.path[0] = os.path.dirname(os.path.realpath(script))
    run_as_main(os.path.abspath(script))


def run_as_main(path):
    """What CPython does for `python script.py`: the code compiled under its absolute path, run as __main__."""
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update(
        __file__=path,
        __cached__=None,
        __builtins__=builtins,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
    )
    sys.modules["__main__"] = main_module
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec", dont_inherit=True)
        exec(code, main_module.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as error:
        # The traceback `python script.py` prints: from the script's own frames, not this host's.
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        # On the exception too: the default hook prints the exception's own __traceback__.
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        sys.exit(1)


def main():
    before = started_with()
    added = {name: value for name, value in os.environ.items() if before.get(name) != value}
    program, modules = sys.argv[1], sys.argv[2:]
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            # Not in this venv, or not importable here: the service imports what it needs itself.
            pass
    try:
        os.write(CONTROL_FD, b"warm\n")
    except OSError:
        sys.exit(0)
    cwd, env, argv = read_hand_over()
    become(program, cwd, env, argv, added)


main()
