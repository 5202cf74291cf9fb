"""Exceptions, used only where work cannot go on.

Every exception carries findings (located, Vietnamese) so that the CLI can print them and exit with
status 2 instead of a traceback.
"""

from __future__ import annotations

from typing import Iterable

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
