"""The ``dvcq`` console script. Importing this module installs the Ctrl-C handler, before anything
else of the toolkit is imported: an interrupt at any moment — while modules load, while files are
read in parallel, while a workbook is written — says so and leaves, never a traceback, never a
wait on a lock or a queue. Only the console script and ``python -m dvcq_xl`` import it; the library
leaves Ctrl-C to its caller."""

from __future__ import annotations

import os
import signal

from .text import INTERRUPTED


def _interrupted(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    """Nothing half-written remains (every output is written beside its target and renamed at
    the end; the next run removes what an interrupted one left), so leaving at once is safe."""
    os.write(2, f"\n{INTERRUPTED}\n".encode("utf-8"))
    os._exit(130)


signal.signal(signal.SIGINT, _interrupted)


def run() -> None:
    """The ``dvcq`` console script."""
    import sys

    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show Vietnamese shows «?»,
        try:  # never a UnicodeEncodeError (PYTHONIOENCODING=ascii, an old Windows code page)
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):
            pass
    from .cli import main

    main()
