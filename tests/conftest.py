from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from dvcq_xl.rubric import builtin_rubric

from .lo import LibreOffice, install_soffice

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


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> LibreOffice:
    """Real LibreOffice headless; installed on demand. In CI a missing one fails, never skips."""
    soffice = install_soffice()
    if not soffice:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required in CI and could not be installed")
        pytest.skip("LibreOffice is not installed and cannot be installed here")
    return LibreOffice(soffice, tmp_path_factory.mktemp("lo"))
