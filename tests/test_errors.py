"""Exceptions: declared in one place, each a DvcqError where it reaches the user."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import dvcq_xl
from dvcq_xl import errors

SKIP = {"dvcq_xl.__main__", "dvcq_xl._console"}  # importing them starts or arms the command line


def _modules():
    for info in pkgutil.iter_modules(dvcq_xl.__path__, "dvcq_xl."):
        if info.name not in SKIP and not info.ispkg:
            yield importlib.import_module(info.name)


def test_every_exception_is_declared_in_errors():
    declared = [f"{m.__name__}.{name}" for m in _modules()
                for name, obj in vars(m).items()
                if inspect.isclass(obj) and issubclass(obj, BaseException)
                and obj.__module__ == m.__name__ and m is not errors]
    assert declared == []


def test_the_errors_a_user_can_meet_carry_findings_and_exit_2():
    for name in ("RubricError", "RosterError", "OutputError", "WorkbookError", "InputError",
                 "ConsolidationError", "ReportError"):
        cls = getattr(errors, name)
        exc = cls("thông báo")
        assert isinstance(exc, errors.DvcqError) and exc.exit_code == 2
        assert exc.findings == [] and str(exc) == "thông báo"
