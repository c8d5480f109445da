"""The layering of docs/architecture.md is a check that fails: the import-linter contracts in
pyproject.toml hold for the code as it is, and break, naming the import, when a module imports
upward or an import cycle appears (tried on a copy of the package with one wrong import added)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its contracts, with `line` added to the end of `module`."""
    shutil.copytree(ROOT / "zimei", tmp_path / "zimei", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_base_layer_importing_a_domain_app_breaks_the_layers(tmp_path):
    root = copy_with(tmp_path, "zimei.core.errors", "from zimei.articles import models  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "zimei.core is not allowed to import zimei.articles" in result.stdout
    assert "zimei.core.errors -> zimei.articles.models" in result.stdout


def test_a_domain_app_importing_an_interface_breaks_the_layers(tmp_path):
    root = copy_with(tmp_path, "zimei.articles.services", "from zimei.studio import views  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "zimei.articles is not allowed to import zimei.studio" in result.stdout


def test_one_interface_importing_another_breaks_their_independence(tmp_path):
    root = copy_with(tmp_path, "zimei.desk.views", "from zimei.reader import views as reader_views  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "zimei.desk is not allowed to import zimei.reader" in result.stdout


def test_an_import_cycle_inside_an_app_breaks_the_acyclic_contract(tmp_path):
    # hot.py imports models.py; models.py importing hot.py back closes a cycle
    root = copy_with(tmp_path, "zimei.distribution.models", "from zimei.distribution import hot  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "No cycles are allowed in zimei.distribution" in result.stdout
