"""``dvcq`` and ``python -m dvcq_xl``: the command line, with Ctrl-C handled from the first
instant (importing the toolkit takes a moment, and an interrupt then must not print a
traceback)."""

from __future__ import annotations

import os
import sys

INTERRUPTED = "Đã dừng theo yêu cầu; các tệp đã ghi xong vẫn nguyên vẹn."


def run() -> None:
    """The ``dvcq`` console script."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    try:
        main()
    except SystemExit as exc:
        if exc.code == 130:  # interrupted, and said so: leave at once
            # nothing half-written is left to finish (outputs are atomic); the interpreter's own
            # exit could wait on the queues of reading processes that were just stopped
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise


if __name__ == "__main__":
    run()
