"""Exceptions, used only where work cannot go on: every exception the toolkit declares is here.

Every :class:`DvcqError` carries findings (located, Vietnamese) so that the CLI can print them and
exit with status 2 instead of a traceback. The last few are signals inside one module's reading
(a refused YAML construct, an oversized VBA project, a locked sheet): they never leave the toolkit.
"""

from __future__ import annotations

from typing import Any, Iterable

from .findings import Finding, make


class DvcqError(Exception):
    """Base of every error the toolkit raises on bad input or an impossible output."""

    exit_code = 2

    def __init__(self, message: str, findings: Iterable[Finding] = ()):
        super().__init__(message)
        self.message = message
        self.findings = list(findings)

    def __str__(self) -> str:
        return self.message


class RubricError(DvcqError):
    """A rubric could not be loaded or is not valid."""


class RosterError(DvcqError):
    """A roster could not be read or lacks what is needed."""


class OutputError(DvcqError):
    """An output could not be written."""


class WorkbookError(DvcqError):
    """A completed workbook could not be read as a scoring workbook."""


def rubric_error(code: str, **fields) -> RubricError:
    finding = make(code, **fields)
    return RubricError(finding.message, [finding])


class InputError(DvcqError):
    """The paths given on the command line cannot be used."""


class ConsolidationError(DvcqError):
    """The round cannot be consolidated (no valid file, an unreadable previous ranking …)."""


class ReportError(DvcqError):
    """A report cannot be written (bad settings, a broken template, not a ranking workbook)."""


class YamlProblem(ValueError):
    """A YAML text that cannot be taken: ``detail`` in Vietnamese, ``line`` where known."""

    def __init__(self, detail: str, line: int | None = None):
        super().__init__(detail)
        self.detail, self.line = detail, line


# --- signals inside one module's reading ------------------------------------------------------


class YamlRefused(Exception):
    """Something a rubric never needs, met while reading its YAML: loading stops at once."""

    def __init__(self, code: str, mark: Any, **fields: Any):
        super().__init__(code)
        self.code, self.fields = code, fields
        self.line = mark.line + 1 if mark is not None else None


class MacroLimit(ValueError):
    """A VBA project beyond what a score sheet can carry."""


class SheetLocked(Exception):
    """The workbook or a sheet is locked with a password other than the one we were given."""
