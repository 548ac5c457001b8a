"""A service's application form: its JSON Schema (the subset the catalogue's standards use) rendered as
fields for the server-side pages, read from an HTML form, and validated with translated messages.

The subset (``catalog``'s ``form_schema``): ``{"type": "object", "properties": {...}, "required": [...]}``,
each property with ``title`` and ``x-title`` ({kk, ru, en}); types string (``format: "date"``,
``pattern``, ``enum`` with ``x-enum-titles``, ``maxLength``), integer, number, boolean. A small validator
of our own rather than a general one: its messages are the citizen's, in three languages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any, Final

from birtereze.core.i18n import LazyText, _l

REQUIRED: Final = _l("This field is required.")
NOT_TEXT: Final = _l("Enter text.")
TOO_LONG: Final = _l("At most {limit} characters.")
NOT_DATE: Final = _l("Enter a date as YYYY-MM-DD.")
NOT_PATTERN: Final = _l("The value is not in the expected format.")
NOT_CHOICE: Final = _l("Choose one of the options offered.")
NOT_INTEGER: Final = _l("Enter a whole number.")
NOT_NUMBER: Final = _l("Enter a number.")
NOT_BOOLEAN: Final = _l("Answer yes or no.")
TOO_SMALL: Final = _l("At least {limit}.")
TOO_LARGE: Final = _l("At most {limit}.")
UNKNOWN: Final = _l("This form has no such field.")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: LazyText
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def render(self, locale: str) -> str:
        return self.message.render(locale, **self.params)


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    title: str


@dataclass(frozen=True, slots=True)
class FormField:
    """One field as a page renders it."""

    name: str
    title: str
    kind: str  # "text", "date", "select", "integer", "number", "boolean"
    required: bool
    max_length: int | None
    pattern: str | None
    choices: list[Choice]


def _title(spec: dict[str, Any], name: str, locale: str) -> str:
    titles = spec.get("x-title") or {}
    return str(titles.get(locale) or spec.get("title") or name)


def fields(schema: dict[str, Any], locale: str) -> list[FormField]:
    """The form's fields in the schema's order, titled in ``locale``."""
    required = set(schema.get("required") or ())
    result = []
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type", "string")
        choices: list[Choice] = []
        if kind == "string" and "enum" in spec:
            titles = spec.get("x-enum-titles") or {}
            choices = [
                Choice(str(value), str((titles.get(str(value)) or {}).get(locale) or value))
                for value in spec["enum"]
            ]
            kind = "select"
        elif kind == "string":
            kind = "date" if spec.get("format") == "date" else "text"
        result.append(
            FormField(
                name=name,
                title=_title(spec, name, locale),
                kind=kind,
                required=name in required,
                max_length=spec.get("maxLength"),
                pattern=spec.get("pattern"),
                choices=choices,
            )
        )
    return result


def from_html(schema: dict[str, Any], posted: dict[str, str]) -> dict[str, Any]:
    """An HTML form's strings as the schema's types (what cannot be read stays a string, for ``validate``
    to name); empty fields are left out, an unticked checkbox is false."""
    data: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type", "string")
        raw = posted.get(name)
        if kind == "boolean":
            data[name] = raw in ("on", "true", "1", "yes")
            continue
        if raw is None or raw.strip() == "":
            continue
        value: Any = raw.strip()
        try:
            if kind == "integer":
                value = int(value)
            elif kind == "number":
                value = float(value.replace(",", "."))
        except ValueError:
            pass
        data[name] = value
    return data


def _check_string(spec: dict[str, Any], value: Any) -> tuple[LazyText, dict[str, Any]] | None:
    if not isinstance(value, str):
        return NOT_TEXT, {}
    if "enum" in spec and value not in [str(choice) for choice in spec["enum"]]:
        return NOT_CHOICE, {}
    limit = spec.get("maxLength")
    if isinstance(limit, int) and len(value) > limit:
        return TOO_LONG, {"limit": limit}
    if spec.get("format") == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return NOT_DATE, {}
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return NOT_DATE, {}
    pattern = spec.get("pattern")
    if isinstance(pattern, str) and re.search(pattern, value) is None:
        return NOT_PATTERN, {}
    return None


def _check_number(
    spec: dict[str, Any], value: Any, *, integer: bool
) -> tuple[LazyText, dict[str, Any]] | None:
    wrong = NOT_INTEGER if integer else NOT_NUMBER
    if isinstance(value, bool) or not isinstance(value, int | float):
        return wrong, {}
    if isinstance(value, float) and not math.isfinite(value):  # JSON's Infinity and NaN are no answer
        return wrong, {}
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        return wrong, {}
    if "minimum" in spec and value < spec["minimum"]:
        return TOO_SMALL, {"limit": spec["minimum"]}
    if "maximum" in spec and value > spec["maximum"]:
        return TOO_LARGE, {"limit": spec["maximum"]}
    return None


def validate(schema: dict[str, Any], data: dict[str, Any]) -> list[FieldProblem]:
    """What is wrong with ``data`` against ``schema``: one problem per field at fault, in the schema's
    order, then unknown fields; an empty list when the form is right."""
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    problems = []
    for name, spec in properties.items():
        value = data.get(name)
        if value is None or value == "":
            if name in required:
                problems.append(FieldProblem(name, REQUIRED))
            continue
        kind = spec.get("type", "string")
        found: tuple[LazyText, dict[str, Any]] | None
        if kind == "string":
            found = _check_string(spec, value)
        elif kind in ("integer", "number"):
            found = _check_number(spec, value, integer=kind == "integer")
        elif kind == "boolean":
            found = None if isinstance(value, bool) else (NOT_BOOLEAN, {})
        else:
            found = None
        if found is not None:
            problems.append(FieldProblem(name, found[0], found[1]))
    problems.extend(FieldProblem(name, UNKNOWN) for name in data if name not in properties)
    return problems


def clean(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The answers worth keeping: empty strings dropped, integers given as 3.0 kept as 3."""
    properties: dict[str, Any] = schema.get("properties") or {}
    kept: dict[str, Any] = {}
    for name, value in data.items():
        if value is None or value == "":
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue  # refused by validate(); never stored
        if properties.get(name, {}).get("type") == "integer" and isinstance(value, float):
            value = int(value)
        kept[name] = value
    return kept
