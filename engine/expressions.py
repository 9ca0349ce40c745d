"""Restricted expressions for gateway conditions and timer values.

SpiffWorkflow's default script engine hands expressions to bare ``eval``; a condition in an
uploaded diagram could run ``__import__('os').system(...)``. Here every expression is parsed and
checked against an AST allow-list first: names (never dunders), literals, comparisons, boolean
and arithmetic operators, subscripts, conditional expressions and calls to a few pure built-ins.
No attribute access, no imports, no lambdas or comprehensions. Only a checked tree is evaluated,
with empty ``__builtins__``.
"""
from __future__ import annotations

import ast
import functools
from typing import Any, Mapping

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
    TaskDataEnvironment,
)

ALLOWED_FUNCTIONS: dict[str, Any] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool,
    "min": min, "max": max, "sum": sum, "any": any, "all": all, "abs": abs,
    "round": round, "sorted": sorted,
}
ALLOWED_CONSTANTS = {"True": True, "False": False, "None": None,
                     "true": True, "false": False, "null": None}

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.IfExp, ast.Name, ast.Load, ast.Constant,
    ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Subscript, ast.Call,
)
MAX_EXPRESSION_LENGTH = 2000


class UnsafeExpression(ValueError):
    """The expression uses something outside the allow-list (or is not an expression)."""


def check_expression(source: str) -> ast.Expression:
    """Parse ``source`` and refuse anything outside the allow-list. Returns the checked tree."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise UnsafeExpression(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression(f"not a valid expression: {exc.msg}") from None
    check_tree(tree)
    return tree


def check_tree(tree: ast.AST) -> None:
    """Refuse any node of ``tree`` outside the allow-list (shared with safe scripts)."""
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeExpression(f"'{type(node).__name__}' is not allowed in an expression")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or "__" in node.id):
            raise UnsafeExpression(f"name '{node.id}' is not allowed (no underscore names)")
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise UnsafeExpression("bytes literals are not allowed")
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and abs(node.value) > 10**12:
            raise UnsafeExpression("number too large")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
            isinstance(side, (ast.Constant, ast.List, ast.Tuple)) and not isinstance(
                getattr(side, "value", 0), (int, float))
            for side in (node.left, node.right)
        ):
            raise UnsafeExpression("repeating strings or lists with * is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in ALLOWED_FUNCTIONS:
                raise UnsafeExpression("only these functions may be called: "
                                       + ", ".join(sorted(ALLOWED_FUNCTIONS)))
            if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
                raise UnsafeExpression("function calls take plain positional arguments only")


@functools.lru_cache(maxsize=2048)
def _compiled(source: str):
    return compile(check_expression(source), "<expression>", "eval")


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression over ``context`` (task data)."""
    code = _compiled(source)
    env: dict[str, Any] = {"__builtins__": {}}
    env.update(ALLOWED_CONSTANTS)
    env.update(ALLOWED_FUNCTIONS)
    env.update({k: v for k, v in context.items() if isinstance(k, str) and not k.startswith("_")})
    return eval(code, env)  # noqa: S307 - the tree was checked against the allow-list above


class ServiceTasksUnsupported(RuntimeError):
    pass


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment: restricted ``evaluate``; ``execute`` runs only safe
    scripts (assignments over the same expressions, see :mod:`engine.safe_scripts`)."""

    def __init__(self) -> None:
        super().__init__({})

    def evaluate(self, expression, context, external_context=None):
        merged = dict(external_context or {})
        merged.update(context)
        return evaluate(expression, merged)

    def execute(self, script, context, external_context=None):
        from .safe_scripts import run_script

        run_script(script or "", context, external_context)
        return True

    def call_service(self, context, **kwargs):
        raise ServiceTasksUnsupported("service tasks are not supported")


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression):
        # A syntax error stays a SyntaxError: SpiffWorkflow's DMN engine tells "> 5" from "5" by it.
        ast.parse(expression.strip(), mode="eval")
        check_expression(expression)

    def call_service(self, task, **kwargs):
        # SpiffWorkflow 3.2's own call_service refers to an undefined name when the call fails.
        raise ServiceTasksUnsupported("service tasks are not supported")
