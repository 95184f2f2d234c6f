"""A stand-in for Terraform's evaluation of the few expressions whose value decides what
exists: ``count`` switches, ``validation`` and ``precondition`` conditions, the pool's
``config``. No Terraform binary can evaluate them here (``terraform console`` needs the
provider), so these tests do it for the part of the language those expressions use:

- ``var.NAME`` and ``local.NAME`` (a local is evaluated in turn);
- numbers, ``"strings"`` without interpolation, ``true``/``false``/``null``, ``[lists]``;
- ``== != < <= > >= && || !``, parentheses and ``cond ? a : b``;
- the functions ``contains``, ``floor``, ``length`` and ``alltrue``.

Anything else (another function, a resource attribute, an interpolated string) raises, so an
expression that outgrows the subset fails its test instead of being judged by a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": lambda items, value: value in items,
    "floor": math.floor,
    "length": len,
    "alltrue": all,
}

# A token of the subset; the string pattern refuses ${...} inside a literal.
TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\$]|\\.|\$(?!\{))*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<ref>(?:var|local)\.[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>!?:()\[\],])
    )""",
    re.VERBOSE,
)

KEYWORDS = {"true": "True", "false": "False", "null": "None"}
OPERATORS = {"&&": " and ", "||": " or ", "!": " not "}


def tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    text = text.strip()
    while i < len(text):
        match = TOKEN.match(text, i)
        if not match or match.end() == i:
            raise ValueError(f"not in the evaluated subset at {text[i:]!r} of {text!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match[kind]))
        i = match.end()
    return out


def _python(toks: list[tuple[str, str]]) -> str:
    """Python source for the tokens: the conditional ``c ? a : b`` at the top level (outside
    brackets) becomes ``(a if c else b)``; HCL's ``?:`` is right-associative, like Python's."""
    depth, question = 0, None
    for i, (kind, value) in enumerate(toks):
        if kind == "op" and value in "([":
            depth += 1
        elif kind == "op" and value in ")]":
            depth -= 1
        elif kind == "op" and depth == 0 and value == "?" and question is None:
            question = i
        elif kind == "op" and depth == 0 and value == ":" and question is not None:
            condition, then, otherwise = toks[:question], toks[question + 1 : i], toks[i + 1 :]
            return f"(({_python(then)}) if ({_python(condition)}) else ({_python(otherwise)}))"
    parts = []
    for kind, value in toks:
        if kind == "ref":
            scope, name = value.split(".", 1)
            parts.append(f"{scope}_({name!r})")
        elif kind == "name":
            if value in KEYWORDS:
                parts.append(KEYWORDS[value])
            elif value in FUNCTIONS:
                parts.append(f"functions[{value!r}]")
            else:
                raise ValueError(f"{value!r} is not in the evaluated subset")
        elif kind == "op":
            parts.append(OPERATORS.get(value, value))
        else:
            parts.append(value)
    return " ".join(parts)


def evaluate(text: str, variables: Mapping[str, Any], local_expressions: Mapping[str, str]) -> Any:
    """The value of ``text`` (an expression without its ``${ }``) for these variables;
    ``local_expressions`` maps each local's name to its expression."""

    def var_(name: str) -> Any:
        if name not in variables:
            raise KeyError(f"var.{name} has no value here")
        return variables[name]

    def local_(name: str) -> Any:
        return evaluate(local_expressions[name], variables, local_expressions)

    namespace = {"var_": var_, "local_": local_, "functions": FUNCTIONS}
    return eval(_python(tokens(text)), {"__builtins__": {}}, namespace)
