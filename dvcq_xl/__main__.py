"""``dvcq`` and ``python -m dvcq_xl``: the command line, with Ctrl-C handled from the first
instant (importing the toolkit takes a moment, and an interrupt then must not print a
traceback)."""

from __future__ import annotations

import sys

INTERRUPTED = "Đã dừng theo yêu cầu; các tệp đã ghi xong vẫn nguyên vẹn."


def run() -> None:
    """The ``dvcq`` console script."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
