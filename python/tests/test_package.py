"""The package as installed: typed, importable without pandas, its stubs matching the module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fairboard
from fairboard import _native


def test_the_wheel_ships_its_types_and_imports_without_pandas():
    pkg = Path(fairboard.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_native.pyi").exists()
    code = "import sys, fairboard; fairboard.verify; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_stubs_name_every_native_function_and_mypy_accepts_the_package():
    stub = (Path(fairboard.__file__).parent / "_native.pyi").read_text()
    public = [n for n in dir(_native) if not n.startswith("_")]
    assert public and all(f"def {n}(" in stub or f"class {n}" in stub for n in public), public
    src = Path(__file__).resolve().parents[1] / "fairboard"
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--no-incremental", str(src)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
