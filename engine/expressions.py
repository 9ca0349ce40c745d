"""Restricted expressions for gateway conditions and timer values.

SpiffWorkflow's default script engine hands expressions to bare ``eval``; a condition in an
uploaded diagram could run ``__import__('os').system(...)``. Here every expression is parsed and
checked against an AST allow-list first: names (never dunders), literals, comparisons, boolean
and arithmetic operators, subscripts, conditional expressions and calls to a few pure built-ins
and two readers of item lists (``count(items, 'hasil', 'gagal')``, ``all_set(items, 'skenario')``).
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

from .messages import Coded

#: The most items :func:`count` and :func:`all_set` read (a case's lists are bounded where they
#: enter, see :mod:`engine.item_lists`; this holds for any list a script may have built).
MAX_ITEMS_READ = 10_000


def _item_list(items: Any, name: str) -> list:
    if items is None:  # the step that fills the list has not been done yet
        return []
    if not isinstance(items, (list, tuple)):
        raise UnsafeExpression("expression.list_expected", function=name, kind=type(items).__name__)
    if len(items) > MAX_ITEMS_READ:
        raise UnsafeExpression("expression.too_many_items", function=name, n=MAX_ITEMS_READ)
    return list(items)


def _is_set(value: Any) -> bool:
    return value is not None and value != "" and value != [] and not (isinstance(value, str) and not value.strip())


def count(items: Any, key: Any, *value: Any) -> int:
    """How many items (dicts of a list field, see :mod:`engine.item_lists`) have ``key`` set, or,
    given a third argument, have ``key`` equal to it: ``count(hasil_uji, 'hasil', 'gagal')``."""
    if len(value) > 1:
        raise UnsafeExpression("expression.count_arguments")
    rows = [i for i in _item_list(items, "count") if isinstance(i, dict)]
    if value:
        return sum(1 for i in rows if i.get(key) == value[0])
    return sum(1 for i in rows if _is_set(i.get(key)))


def all_set(items: Any, key: Any) -> bool:
    """Does every item have ``key`` filled in (and is there at least one item)?
    ``all_set(skenario_uji, 'skenario')``."""
    rows = _item_list(items, "all_set")
    return bool(rows) and all(isinstance(i, dict) and _is_set(i.get(key)) for i in rows)


ALLOWED_FUNCTIONS: dict[str, Any] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool,
    "min": min, "max": max, "sum": sum, "any": any, "all": all, "abs": abs,
    "round": round, "sorted": sorted, "count": count, "all_set": all_set,
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


class UnsafeExpression(Coded, ValueError):
    """The expression uses something outside the allow-list (or is not an expression)."""


def check_expression(source: str) -> ast.Expression:
    """Parse ``source`` and refuse anything outside the allow-list. Returns the checked tree."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise UnsafeExpression("expression.too_long", n=MAX_EXPRESSION_LENGTH)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression("expression.syntax", why=exc.msg) from None
    check_tree(tree)
    return tree


def check_tree(tree: ast.AST) -> None:
    """Refuse any node of ``tree`` outside the allow-list (shared with safe scripts)."""
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeExpression("expression.node", what=type(node).__name__)
        if isinstance(node, ast.Name) and (node.id.startswith("_") or "__" in node.id):
            raise UnsafeExpression("expression.underscore", name=node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise UnsafeExpression("expression.bytes")
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and abs(node.value) > 10**12:
            raise UnsafeExpression("expression.number_too_large")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
            isinstance(side, (ast.Constant, ast.List, ast.Tuple)) and not isinstance(
                getattr(side, "value", 0), (int, float))
            for side in (node.left, node.right)
        ):
            raise UnsafeExpression("expression.repeat")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in ALLOWED_FUNCTIONS:
                raise UnsafeExpression("expression.functions", names=", ".join(sorted(ALLOWED_FUNCTIONS)))
            if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
                raise UnsafeExpression("expression.call_arguments")


#: The longest text, list or number of digits an expression may build (``x * 200000000`` must
#: not allocate gigabytes at run time; the data it reads is bounded where it enters).
MAX_RESULT_SIZE = 100_000


class _SizeLimited(ValueError):
    pass


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, tuple, dict, set)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3  # about its decimal digits
    return 1


def _checked(value: Any) -> Any:
    if _size(value) > MAX_RESULT_SIZE:
        raise UnsafeExpression("expression.value_too_large", n=MAX_RESULT_SIZE)
    return value


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, (str, list, tuple)) or isinstance(b, (str, list, tuple)):
        seq, times = (a, b) if isinstance(a, (str, list, tuple)) else (b, a)
        if isinstance(times, int) and len(seq) * max(times, 0) > MAX_RESULT_SIZE:
            raise UnsafeExpression("expression.value_too_large", n=MAX_RESULT_SIZE)
    if isinstance(a, int) and isinstance(b, int) and (a.bit_length() + b.bit_length()) // 3 > MAX_RESULT_SIZE:
        raise UnsafeExpression("expression.result_too_large")
    return a * b


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)) \
            and len(a) + len(b) > MAX_RESULT_SIZE:
        raise UnsafeExpression("expression.value_too_large", n=MAX_RESULT_SIZE)
    return a + b


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):  # printf-style formatting can pad to any width ("%0999999999d")
        raise UnsafeExpression("expression.percent")
    return a % b


_GUARDED_OPERATORS = {ast.Mult: "__alur_mul", ast.Add: "__alur_add", ast.Mod: "__alur_mod"}
_GUARDS = {"__alur_mul": _mul, "__alur_add": _add, "__alur_mod": _mod}


class _GuardOperators(ast.NodeTransformer):
    """``a * b``, ``a + b`` and ``a % b`` become calls that check the size of what they build."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDED_OPERATORS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(ast.Call(func=ast.Name(id=guard, ctx=ast.Load()),
                                          args=[node.left, node.right], keywords=[]), node)


@functools.lru_cache(maxsize=2048)
def _compiled(source: str):
    tree = ast.fix_missing_locations(_GuardOperators().visit(check_expression(source)))
    return compile(tree, "<expression>", "eval")


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression over ``context`` (task data), every value it builds bounded."""
    code = _compiled(source)
    env: dict[str, Any] = {"__builtins__": {}, **_GUARDS}
    env.update(ALLOWED_CONSTANTS)
    env.update(ALLOWED_FUNCTIONS)
    env.update({k: v for k, v in context.items() if isinstance(k, str) and not k.startswith("_")})
    return _checked(eval(code, env))  # noqa: S307 - the tree was checked against the allow-list above


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
