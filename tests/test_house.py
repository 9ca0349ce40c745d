"""House rules of the tests and benchmarks themselves: test modules share through tests/helpers
(and tests/e2e/e2e_helpers.py), never by importing each other; nothing edits sys.path."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: tests/helpers' modules: imported as ``helpers.<name>``, never bare
HELPERS = {p.stem for p in (ROOT / "tests" / "helpers").glob("*.py")} - {"__init__"}


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found


def test_no_test_module_imports_another():
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p in sorted(ROOT.glob("tests/**/*.py"))
                 for m in _imports(p) if m.split(".")[-1].startswith("test_") or m in HELPERS]
    assert offenders == []


def test_nothing_edits_sys_path():
    offenders = [str(p.relative_to(ROOT)) for folder in ("tests", "bench") for p in sorted(ROOT.glob(f"{folder}/**/*.py"))
                 if p != Path(__file__).resolve() and "sys.path" in p.read_text(encoding="utf-8")]
    assert offenders == []
