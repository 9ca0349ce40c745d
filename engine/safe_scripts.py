"""Safe script tasks: a script is a sequence of assignments over the safe expression language.

    total = jumlah * harga
    disetujui = total < 1000000

Each right-hand side is checked like a gateway condition (:mod:`engine.expressions`), each
target is a plain variable name (no underscores first, no attributes, no subscripts). Anything
else (imports, loops, calls outside the allow-list, attribute access) is refused at deploy with
the line of the script. Never arbitrary Python.
"""
from __future__ import annotations

import ast
from typing import Any, Mapping

from .expressions import UnsafeExpression, check_tree, evaluate
from .messages import Coded

MAX_SCRIPT_LENGTH = 20_000
MAX_STATEMENTS = 200


class UnsafeScript(Coded, ValueError):
    """The script is not a sequence of safe assignments; ``line`` is its line in the script."""

    def __init__(self, code: str, line: int | None = None, /, **params) -> None:
        super().__init__(code, **params)
        self.line = line


def check_script(source: str) -> list[tuple[list[str], str]]:
    """Parse and check a script. Returns its assignments as (target names, expression source)."""
    if len(source) > MAX_SCRIPT_LENGTH:
        raise UnsafeScript("script.too_long", n=MAX_SCRIPT_LENGTH)
    try:
        tree = ast.parse(_dedent(source), mode="exec")
    except SyntaxError as exc:
        raise UnsafeScript("script.syntax", exc.lineno, why=exc.msg) from None
    if len(tree.body) > MAX_STATEMENTS:
        raise UnsafeScript("script.too_many", n=MAX_STATEMENTS)
    steps: list[tuple[list[str], str]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # a docstring-like note
        if isinstance(stmt, ast.Pass):
            continue
        if not isinstance(stmt, ast.Assign):
            raise UnsafeScript("script.not_assignment", stmt.lineno, what=type(stmt).__name__)
        names = []
        for target in stmt.targets:
            if not isinstance(target, ast.Name):
                raise UnsafeScript("script.bad_target", stmt.lineno)
            if target.id.startswith("_") or "__" in target.id:
                raise UnsafeScript("expression.underscore", stmt.lineno, name=target.id)
            names.append(target.id)
        try:
            check_tree(ast.Expression(stmt.value))
        except UnsafeExpression as exc:
            raise UnsafeScript(exc.msg, stmt.lineno) from None
        steps.append((names, ast.unparse(stmt.value)))
    return steps


def _dedent(source: str) -> str:
    """Modelers indent the script inside the XML element; strip the common indent."""
    import textwrap

    return textwrap.dedent(source.replace("\r\n", "\n")).strip("\n")


def run_script(source: str, context: dict, external_context: Mapping[str, Any] | None = None) -> None:
    """Run a checked script over ``context`` (the task's data), assigning into it in order."""
    for names, expression in check_script(source):
        scope = dict(external_context or {})
        scope.update(context)
        value = evaluate(expression, scope)
        if isinstance(value, (set, frozenset, tuple)):
            value = list(value)  # case data stays JSON
        for name in names:
            context[name] = value
