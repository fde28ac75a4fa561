"""What the answers contracts share: strict JSON file reading, and pydantic errors turned into FieldProblems.

Public to the contracts package only::

    read_json_file(path) -> object                      # raises InvalidAnswers naming the file (and line:col)
    load_answers(path, parse, message=None) -> T        # parse(the file's JSON); every error names the file
    require_object(data, label) -> dict                 # raises InvalidAnswers unless ``data`` is a JSON object
    validate(model, data, label, problem) -> BaseModel  # every pydantic error as one FieldProblem
    field_problem(err, keys=, label=, expected=)        # one pydantic error → FieldProblem
    shown(value) -> str                                 # a value as quoted in an error message
    yes_no_or_count(field) -> str                       # what a true/false or whole-number field takes, in words
    with_schema_header(schema, schema_id) -> dict       # ``$schema`` and ``$id`` first
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from calfcare.errors import FieldProblem, InvalidAnswers

__all__ = [
    "field_problem",
    "load_answers",
    "read_json_file",
    "require_object",
    "shown",
    "validate",
    "with_schema_header",
    "yes_no_or_count",
]

Location = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: pydantic error type → the first words of our message ("wrong type" for every other type)
_WHAT = {
    "literal_error": "not an allowed value",
    "greater_than_equal": "out of range",
    "less_than_equal": "out of range",
    "finite_number": "out of range",
}


def shown(value: Any) -> str:
    """A value as quoted in an error message: its JSON (cut at 40 characters) and what kind of value it is."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= 40 else text[:37] + "..."
    return "null" if value is None else f"{text} ({kinds.get(type(value), type(value).__name__)})"


def yes_no_or_count(field: FieldInfo) -> str:
    """What a true/false, 0–10 or whole-number field takes, in words (each contract words its other fields)."""
    if bool in get_args(field.annotation):
        return "true or false"
    if any(getattr(m, "le", None) == 10 for m in field.metadata):
        return "a whole number from 0 to 10"
    return "a whole number ≥ 0"


def field_problem(
    err: ErrorDetails, *, keys: Sequence[str], label: str, expected: Callable[[Location], str]
) -> FieldProblem:
    """One pydantic error as a FieldProblem: an unknown key (with a did-you-mean hint from ``keys``), or what was
    wrong, what was given and ``expected(loc)`` in words. ``label`` names the answers ("triage", "check-in")."""
    loc = err["loc"]
    key = str(loc[0]) if loc else ""
    where = key + "".join(f"[{part}]" for part in loc[1:])
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, keys, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return FieldProblem(where, f"unknown key: not one of the {label} answer keys{hint}")
    if key not in keys:
        return FieldProblem(where, err["msg"])
    what = _WHAT.get(err["type"], "wrong type")
    return FieldProblem(where, f"{what}: got {shown(err['input'])}; expected {expected(loc)}")


def require_object(data: object, label: str) -> dict[Any, Any]:
    """``data`` itself when it is one JSON object (a dict); InvalidAnswers otherwise."""
    if not isinstance(data, dict):
        raise InvalidAnswers(
            f"the {label} answers must be one JSON object",
            [FieldProblem("", f"expected a JSON object of answers, got {shown(data)}")],
        )
    return data


def validate(model: type[M], data: dict[Any, Any], label: str, problem: Callable[[ErrorDetails], FieldProblem]) -> M:
    """``model`` validated from ``data``; every error at once, sorted by where, as InvalidAnswers."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = sorted({problem(e) for e in exc.errors()}, key=lambda p: p.where)
        raise InvalidAnswers(f"the {label} answers break the contract", problems) from None


def with_schema_header(schema: dict[str, Any], schema_id: str) -> dict[str, Any]:
    """``schema`` with the draft 2020-12 ``$schema`` and its ``$id`` first."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice")
        out[key] = value
    return out


def read_json_file(path: Path) -> object:
    """The JSON value in an answers file. Strict: UTF-8 (a BOM allowed), no NaN/Infinity, no key given twice.
    Every failure raises InvalidAnswers naming the file (and line:column for JSON syntax errors). The path ``-``
    reads standard input (``--answers -``)."""
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidAnswers(f"{path}: no such answers file", [FieldProblem(str(path), "no such file")]) from None
    except OSError as exc:
        problem = FieldProblem(str(path), exc.strerror or str(exc))
        raise InvalidAnswers(f"{path}: cannot read the answers file", [problem]) from None
    except UnicodeDecodeError as exc:
        problem = FieldProblem(str(path), f"not UTF-8 text (bad byte at offset {exc.start})")
        raise InvalidAnswers(f"{path}: the answers file is not valid JSON text", [problem]) from None
    try:
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        where = f"{path}:{exc.lineno}:{exc.colno}"
        problem = FieldProblem(where, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        raise InvalidAnswers(f"{path}: the answers file is not valid JSON", [problem]) from None
    except ValueError as exc:
        problem = FieldProblem(str(path), str(exc))
        raise InvalidAnswers(f"{path}: the answers file is not valid JSON", [problem]) from None


def load_answers(path: str | Path, parse: Callable[[object], T], *, message: str | None = None) -> T:
    """``parse`` applied to the JSON value in an answers file. Its InvalidAnswers is raised again with the file name
    in front of ``message`` (default: the first line of the parser's own message) and the same problems."""
    p = Path(path)
    data = read_json_file(p)
    try:
        return parse(data)
    except InvalidAnswers as exc:
        raise InvalidAnswers(f"{p}: {message or str(exc).splitlines()[0]}", exc.problems) from None
