"""``python -m dvcq_xl``: the ``dvcq`` command (Ctrl-C handled from the first instant, see
:mod:`dvcq_xl._console`)."""

from __future__ import annotations

from ._console import INTERRUPTED, run  # noqa: F401 - INTERRUPTED: importable from here too

if __name__ == "__main__":
    run()
