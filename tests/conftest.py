from __future__ import annotations

import os
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
