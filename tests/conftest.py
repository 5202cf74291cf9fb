from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dvcq_xl.rubric import builtin_rubric

from .lo import Gnumeric, LibreOffice, install_gnumeric, install_soffice

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def bac_giang():
    return builtin_rubric("bac-giang-274-2017")


@pytest.fixture(scope="session")
def example():
    return builtin_rubric("vi-du-minh-hoa")


@pytest.fixture(scope="session")
def seed_scores() -> dict[str, float]:
    raw = yaml.safe_load((DATA / "seed001_scores.yaml").read_text(encoding="utf-8"))
    return {str(k): v for k, v in raw.items()}


def _required(program: str | None, what: str) -> str:
    """A real engine's program, installed on demand: in CI a missing one fails, never skips."""
    if not program:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{what} is required in CI and could not be installed")
        pytest.skip(f"{what} is not installed and cannot be installed here")
    return program


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> LibreOffice:
    """Real LibreOffice headless."""
    return LibreOffice(_required(install_soffice(), "LibreOffice (soffice)"),
                       tmp_path_factory.mktemp("lo"))


@pytest.fixture(scope="session")
def gnumeric(tmp_path_factory) -> Gnumeric:
    """Gnumeric's ssconvert, the second engine the formulas are proven in."""
    return Gnumeric(_required(install_gnumeric(), "Gnumeric (ssconvert)"),
                    tmp_path_factory.mktemp("gnumeric"))


@dataclass(frozen=True)
class DemoRound:
    """One ``dvcq demo`` of the session: its folder (read it; copy it to change it), what it
    printed and its exit status."""

    folder: Path
    output: str
    exit_code: int

    def copy_to(self, target: Path) -> Path:
        shutil.copytree(self.folder, target, symlinks=True)
        return target


@pytest.fixture(scope="session")
def demo_round(tmp_path_factory) -> DemoRound:
    """``dvcq demo`` run once for the tests that follow a whole round (the slowest thing the
    suite does: every test that needs it shares this run)."""
    from click.testing import CliRunner

    from dvcq_xl.cli import main

    folder = tmp_path_factory.mktemp("demo-round") / "dvcq-demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(folder)], prog_name="dvcq")
    return DemoRound(folder, result.output, result.exit_code)


def pytest_collection_modifyitems(items):
    """The long shared runs first (the demo, the engines' recalculations: one worker each), so
    that the many short tests fill the other workers meanwhile instead of waiting on a long
    run that started last."""
    def long_first(item) -> int:
        return 0 if item.get_closest_marker("xdist_group") else 1

    items.sort(key=long_first)  # stable: the order within each kind stays as collected
