"""House rules of the tests and benchmarks themselves: test modules share through tests/helpers
(and tests/e2e/e2e_helpers.py), never by importing each other; nothing edits sys.path."""
from __future__ import annotations

import ast
import re
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


def _classes(path: Path) -> dict[str, tuple[list[str], set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {c.name: ([ast.unparse(b) for b in c.bases], {f.name for f in c.body if isinstance(f, ast.FunctionDef)})
            for c in tree.body if isinstance(c, ast.ClassDef)}


def test_service_parts_use_only_what_they_derive_from():
    engine = ROOT / "engine"
    """No part of the engine service calls a method another part defines through the service's
    mixin order (engine/service.py): what parts share lives in a base they derive from and import
    (engine/unit_of_work.py, engine/case_lookups.py, engine/case_files.py)."""
    parts = ["unit_of_work", "case_lookups", "case_files", *sorted(p.stem for p in engine.glob("ops_*.py"))]
    classes = {name: info for part in parts for name, info in _classes(engine / f"{part}.py").items()}

    def reachable(name: str) -> set[str]:
        bases, methods = classes.get(name, ([], set()))
        return methods.union(*(reachable(b) for b in bases))

    found = set()
    for part in parts:
        tree = ast.parse((engine / f"{part}.py").read_text(encoding="utf-8"))
        for cls in (c for c in tree.body if isinstance(c, ast.ClassDef)):
            known = reachable(cls.name)
            found |= {(part, node.func.attr) for node in ast.walk(cls)
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"
                      and node.func.attr not in known}
    assert found == set()


def test_web_app_goes_through_the_service():
    """Pages, the API and the command line ask the service by name (engine/ops_directory.py for
    what they only read) and never reach past it into its session, user directory, file store,
    calendar or configuration: a change that bypasses the service is neither audited nor checked.
    Rolling back a refused operation is the service's too (``rolls_back_on_refusal``). Nothing is
    allowed: the request-level error handlers in webapp/errors.py roll back Flask-SQLAlchemy's
    ``db.session``, not the service's attribute, and are the one net under uncaught errors."""
    reach = re.compile(r"\b(?:svc|service\(\))\s*\.\s*(?:users|session|files|calendar|config)\b")
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in sorted((ROOT / "webapp").rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if reach.search(line)]
    assert offenders == []


def test_admin_tables_come_from_one_macro():
    """The admin lists draw their tables with ``data_table`` (templates/_macros.html): one markup
    for the scrolling wrapper, the header cells and the screen-reader name of the actions column."""
    templates = ROOT / "webapp" / "templates"
    for name in ("admin/webhooks.html", "admin/notifications.html", "admin/holidays.html", "processes/index.html"):
        text = (templates / name).read_text(encoding="utf-8")
        assert "<table" not in text and "data_table(" in text, name
