"""The payroll modules that are plain Python stay plain Python: no Django, no database, nothing
of another app. They can then be tested, reasoned about and reused (RTI's XML builders beside
them) without a department, a request or a server."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Beside the engine (payroll/engine/, held by test_architecture.py): periods and pay dates, payslip
# assembly, supplementary corrections, the payslip's explanation and the Bacs file.
PURE = ("payroll.periods", "payroll.assembly", "payroll.supplementary", "payroll.explain", "payroll.bacs",
        "payroll.engine.rti.model", "payroll.engine.rti.xmltext", "payroll.engine.rti.envelope",
        "payroll.engine.rti.fps", "payroll.engine.rti.eps", "payroll.engine.rti.exceptions")


def _imports(module: str) -> list[str]:
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("module", PURE)
def test_a_pure_payroll_module_imports_only_the_standard_library_the_engine_and_each_other(module):
    for imported in _imports(module):
        allowed = (imported.split(".")[0] in sys.stdlib_module_names or imported == "payroll.engine"
                   or imported.startswith("payroll.engine.") or imported in PURE)
        assert allowed, f"{module} imports {imported}; it must stay plain Python (see this test's docstring)"
