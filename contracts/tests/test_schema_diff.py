"""Tests for contracts.schema_diff, driven by SCHEMA_DIFF.md.

No database and no Django: the differ is pure. The verdict table of section 9.1 is
reproduced row by row (REF order is hash-dependent only between names of one step;
none of the 51 rows has two names in one step, so the spec order is also the sorted
order this implementation guarantees).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.schema_diff import (
    BREAKING_KINDS,
    Change,
    ChangeKind,
    CompatibilityMode,
    SchemaDiff,
    classify_change_type,
    diff_schemas,
    is_breaking,
)

MODES = ["backward", "forward", "full", "none"]


def _kinds_and_paths(diff: SchemaDiff) -> list[tuple[str, str]]:
    return [(change.kind.value, change.path) for change in diff.changes]


def _row(
    number: int,
    case: str,
    old: str,
    new: str,
    changes: list[tuple[str, str]],
    change_type: str,
    *,
    backward: list[str],
    forward: list[str],
    full: list[str],
    none: list[str],
) -> Any:
    slug = re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")
    verdicts = {"backward": backward, "forward": forward, "full": full, "none": none}
    return pytest.param(
        json.loads(old),
        json.loads(new),
        changes,
        change_type,
        verdicts,
        id=f"row{number:02d}-{slug}",
    )


# SCHEMA_DIFF.md 9.1. Verdict columns list the distinct breaking kinds, sorted.
VERDICT_TABLE = [
    _row(
        1,
        "identical schemas",
        '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}',
        '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        2,
        "add an optional property",
        '{"type":"object","properties":{"id":{"type":"integer"}}}',
        '{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}}',
        [("property_added", "properties.name")],
        "minor",
        backward=[],
        forward=["property_added"],
        full=["property_added"],
        none=[],
    ),
    _row(
        3,
        "add a property and require it",
        '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}',
        '{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}},"required":["id","name"]}',
        [("property_added", "properties.name"), ("required_added", "required")],
        "major",
        backward=["required_added"],
        forward=["property_added"],
        full=["property_added", "required_added"],
        none=[],
    ),
    _row(
        4,
        "remove an optional property",
        '{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}}',
        '{"type":"object","properties":{"id":{"type":"integer"}}}',
        [("property_removed", "properties.name")],
        "major",
        backward=["property_removed"],
        forward=[],
        full=["property_removed"],
        none=[],
    ),
    _row(
        5,
        "remove a required property (dropped from both properties and required)",
        '{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}},"required":["id","name"]}',
        '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}',
        [("property_removed", "properties.name"), ("required_removed", "required")],
        "major",
        backward=["property_removed"],
        forward=["required_removed"],
        full=["property_removed", "required_removed"],
        none=[],
    ),
    _row(
        6,
        "existing property becomes required",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}',
        [("required_added", "required")],
        "major",
        backward=["required_added"],
        forward=[],
        full=["required_added"],
        none=[],
    ),
    _row(
        7,
        "required property becomes optional",
        '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}',
        '{"type":"object","properties":{"a":{"type":"string"}},"required":[]}',
        [("required_removed", "required")],
        "patch",
        backward=[],
        forward=["required_removed"],
        full=["required_removed"],
        none=[],
    ),
    _row(
        8,
        "integer → number (widening)",
        '{"type":"object","properties":{"v":{"type":"integer"}}}',
        '{"type":"object","properties":{"v":{"type":"number"}}}',
        [("type_widened", "properties.v.type")],
        "patch",
        backward=[],
        forward=["type_widened"],
        full=["type_widened"],
        none=[],
    ),
    _row(
        9,
        "number → integer (narrowing)",
        '{"type":"object","properties":{"v":{"type":"number"}}}',
        '{"type":"object","properties":{"v":{"type":"integer"}}}',
        [("type_narrowed", "properties.v.type")],
        "major",
        backward=["type_narrowed"],
        forward=[],
        full=["type_narrowed"],
        none=[],
    ),
    _row(
        10,
        "string → integer",
        '{"type":"object","properties":{"v":{"type":"string"}}}',
        '{"type":"object","properties":{"v":{"type":"integer"}}}',
        [("type_changed", "properties.v.type")],
        "major",
        backward=["type_changed"],
        forward=["type_changed"],
        full=["type_changed"],
        none=[],
    ),
    _row(
        11,
        "type keyword dropped from a property",
        '{"type":"object","properties":{"v":{"type":"string"}}}',
        '{"type":"object","properties":{"v":{}}}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        12,
        "root type object → array",
        '{"type":"object"}',
        '{"type":"array"}',
        [("type_changed", "type")],
        "major",
        backward=["type_changed"],
        forward=["type_changed"],
        full=["type_changed"],
        none=[],
    ),
    _row(
        13,
        "enum value added",
        '{"type":"object","properties":{"s":{"type":"string","enum":["a","b"]}}}',
        '{"type":"object","properties":{"s":{"type":"string","enum":["a","b","c"]}}}',
        [("enum_values_added", "properties.s.enum")],
        "minor",
        backward=[],
        forward=["enum_values_added"],
        full=["enum_values_added"],
        none=[],
    ),
    _row(
        14,
        "enum value removed",
        '{"type":"object","properties":{"s":{"type":"string","enum":["a","b"]}}}',
        '{"type":"object","properties":{"s":{"type":"string","enum":["a"]}}}',
        [("enum_values_removed", "properties.s.enum")],
        "major",
        backward=["enum_values_removed"],
        forward=[],
        full=["enum_values_removed"],
        none=[],
    ),
    _row(
        15,
        "one enum value replaced by another",
        '{"type":"object","properties":{"s":{"enum":["a","b"]}}}',
        '{"type":"object","properties":{"s":{"enum":["a","c"]}}}',
        [
            ("enum_values_added", "properties.s.enum"),
            ("enum_values_removed", "properties.s.enum"),
        ],
        "major",
        backward=["enum_values_removed"],
        forward=["enum_values_added"],
        full=["enum_values_added", "enum_values_removed"],
        none=[],
    ),
    _row(
        16,
        "enum introduced on an unconstrained property",
        '{"type":"object","properties":{"s":{"type":"string"}}}',
        '{"type":"object","properties":{"s":{"type":"string","enum":["a"]}}}',
        [("enum_values_added", "properties.s.enum")],
        "minor",
        backward=[],
        forward=["enum_values_added"],
        full=["enum_values_added"],
        none=[],
    ),
    _row(
        17,
        "enum removed entirely",
        '{"type":"object","properties":{"s":{"type":"string","enum":["a"]}}}',
        '{"type":"object","properties":{"s":{"type":"string"}}}',
        [("enum_values_removed", "properties.s.enum")],
        "major",
        backward=["enum_values_removed"],
        forward=[],
        full=["enum_values_removed"],
        none=[],
    ),
    _row(
        18,
        "maxLength decreased",
        '{"type":"object","properties":{"n":{"type":"string","maxLength":100}}}',
        '{"type":"object","properties":{"n":{"type":"string","maxLength":50}}}',
        [("constraint_tightened", "properties.n.maxLength")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        19,
        "maxLength increased",
        '{"type":"object","properties":{"n":{"type":"string","maxLength":50}}}',
        '{"type":"object","properties":{"n":{"type":"string","maxLength":100}}}',
        [("constraint_relaxed", "properties.n.maxLength")],
        "patch",
        backward=[],
        forward=["constraint_relaxed"],
        full=["constraint_relaxed"],
        none=[],
    ),
    _row(
        20,
        "minLength added",
        '{"type":"object","properties":{"n":{"type":"string"}}}',
        '{"type":"object","properties":{"n":{"type":"string","minLength":1}}}',
        [("constraint_tightened", "properties.n.minLength")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        21,
        "maxLength removed",
        '{"type":"object","properties":{"n":{"type":"string","maxLength":10}}}',
        '{"type":"object","properties":{"n":{"type":"string"}}}',
        [("constraint_relaxed", "properties.n.maxLength")],
        "patch",
        backward=[],
        forward=["constraint_relaxed"],
        full=["constraint_relaxed"],
        none=[],
    ),
    _row(
        22,
        "minimum raised",
        '{"type":"object","properties":{"n":{"type":"integer","minimum":0}}}',
        '{"type":"object","properties":{"n":{"type":"integer","minimum":5}}}',
        [("constraint_tightened", "properties.n.minimum")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        23,
        "minimum lowered",
        '{"type":"object","properties":{"n":{"type":"integer","minimum":5}}}',
        '{"type":"object","properties":{"n":{"type":"integer","minimum":0}}}',
        [("constraint_relaxed", "properties.n.minimum")],
        "patch",
        backward=[],
        forward=["constraint_relaxed"],
        full=["constraint_relaxed"],
        none=[],
    ),
    _row(
        24,
        "maximum lowered",
        '{"type":"object","properties":{"n":{"type":"integer","maximum":10}}}',
        '{"type":"object","properties":{"n":{"type":"integer","maximum":5}}}',
        [("constraint_tightened", "properties.n.maximum")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        25,
        "pattern changed",
        '{"type":"object","properties":{"n":{"type":"string","pattern":"^a"}}}',
        '{"type":"object","properties":{"n":{"type":"string","pattern":"^b"}}}',
        [("constraint_tightened", "properties.n.pattern")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        26,
        "pattern removed",
        '{"type":"object","properties":{"n":{"type":"string","pattern":"^a"}}}',
        '{"type":"object","properties":{"n":{"type":"string"}}}',
        [("constraint_relaxed", "properties.n.pattern")],
        "patch",
        backward=[],
        forward=["constraint_relaxed"],
        full=["constraint_relaxed"],
        none=[],
    ),
    _row(
        27,
        "minItems added",
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"string"}}}}',
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"string"},"minItems":1}}}',
        [("constraint_tightened", "properties.t.minItems")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        28,
        "default added",
        '{"type":"object","properties":{"f":{"type":"boolean"}}}',
        '{"type":"object","properties":{"f":{"type":"boolean","default":true}}}',
        [("default_added", "properties.f.default")],
        "minor",
        backward=[],
        forward=["default_added"],
        full=["default_added"],
        none=[],
    ),
    _row(
        29,
        "default removed",
        '{"type":"object","properties":{"f":{"type":"boolean","default":true}}}',
        '{"type":"object","properties":{"f":{"type":"boolean"}}}',
        [("default_removed", "properties.f.default")],
        "major",
        backward=["default_removed"],
        forward=[],
        full=["default_removed"],
        none=[],
    ),
    _row(
        30,
        "default changed",
        '{"type":"object","properties":{"f":{"type":"boolean","default":true}}}',
        '{"type":"object","properties":{"f":{"type":"boolean","default":false}}}',
        [("default_changed", "properties.f.default")],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        31,
        "nullable added",
        '{"type":"object","properties":{"f":{"type":"string"}}}',
        '{"type":"object","properties":{"f":{"type":"string","nullable":true}}}',
        [("nullable_added", "properties.f.nullable")],
        "minor",
        backward=[],
        forward=["nullable_added"],
        full=["nullable_added"],
        none=[],
    ),
    _row(
        32,
        "nullable removed",
        '{"type":"object","properties":{"f":{"type":"string","nullable":true}}}',
        '{"type":"object","properties":{"f":{"type":"string"}}}',
        [("nullable_removed", "properties.f.nullable")],
        "major",
        backward=["nullable_removed"],
        forward=[],
        full=["nullable_removed"],
        none=[],
    ),
    _row(
        33,
        "nested prop added",
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}}}}}',
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"string"}}}}}',
        [("property_added", "properties.a.properties.y")],
        "minor",
        backward=[],
        forward=["property_added"],
        full=["property_added"],
        none=[],
    ),
    _row(
        34,
        "nested required added",
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}}}}}',
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]}}}',
        [("required_added", "properties.a.required")],
        "major",
        backward=["required_added"],
        forward=[],
        full=["required_added"],
        none=[],
    ),
    _row(
        35,
        "nested type change",
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}}}}}',
        '{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"integer"}}}}}',
        [("type_changed", "properties.a.properties.x.type")],
        "major",
        backward=["type_changed"],
        forward=["type_changed"],
        full=["type_changed"],
        none=[],
    ),
    _row(
        36,
        "array items type change",
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"string"}}}}',
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"integer"}}}}',
        [("type_changed", "properties.t.items.type")],
        "major",
        backward=["type_changed"],
        forward=["type_changed"],
        full=["type_changed"],
        none=[],
    ),
    _row(
        37,
        "array items obj prop removed",
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}}}}',
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}}}}}}',
        [("property_removed", "properties.t.items.properties.b")],
        "major",
        backward=["property_removed"],
        forward=[],
        full=["property_removed"],
        none=[],
    ),
    _row(
        38,
        "root array items prop added",
        '{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}}}}',
        '{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}}',
        [("property_added", "items.properties.b")],
        "minor",
        backward=[],
        forward=["property_added"],
        full=["property_added"],
        none=[],
    ),
    _row(
        39,
        "array property becomes string (items not compared)",
        '{"type":"object","properties":{"t":{"type":"array","items":{"type":"string"}}}}',
        '{"type":"object","properties":{"t":{"type":"string"}}}',
        [("type_changed", "properties.t.type")],
        "major",
        backward=["type_changed"],
        forward=["type_changed"],
        full=["type_changed"],
        none=[],
    ),
    _row(
        40,
        "only description changes",
        '{"type":"object","properties":{"a":{"type":"string","description":"x"}}}',
        '{"type":"object","properties":{"a":{"type":"string","description":"y"}}}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        41,
        "format added (not tracked)",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '{"type":"object","properties":{"a":{"type":"string","format":"email"}}}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        42,
        "additionalProperties: false added (not tracked)",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        43,
        "rename property a → b",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '{"type":"object","properties":{"b":{"type":"string"}}}',
        [("property_removed", "properties.a"), ("property_added", "properties.b")],
        "major",
        backward=["property_removed"],
        forward=["property_added"],
        full=["property_added", "property_removed"],
        none=[],
    ),
    _row(
        44,
        "widen a type and add a property",
        '{"type":"object","properties":{"v":{"type":"integer"}}}',
        '{"type":"object","properties":{"v":{"type":"number"},"w":{"type":"string"}}}',
        [("property_added", "properties.w"), ("type_widened", "properties.v.type")],
        "minor",
        backward=[],
        forward=["property_added", "type_widened"],
        full=["property_added", "type_widened"],
        none=[],
    ),
    _row(
        45,
        "drop required and add an enum value",
        '{"type":"object","properties":{"s":{"type":"string","enum":["a"]}},"required":["s"]}',
        '{"type":"object","properties":{"s":{"type":"string","enum":["a","b"]}}}',
        [("enum_values_added", "properties.s.enum"), ("required_removed", "required")],
        "minor",
        backward=[],
        forward=["enum_values_added", "required_removed"],
        full=["enum_values_added", "required_removed"],
        none=[],
    ),
    _row(
        46,
        "empty schema → object with a property",
        "{}",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        [("property_added", "properties.a")],
        "minor",
        backward=[],
        forward=["property_added"],
        full=["property_added"],
        none=[],
    ),
    _row(
        47,
        "require a name not present in properties",
        '{"type":"object","properties":{"a":{"type":"string"}}}',
        '{"type":"object","properties":{"a":{"type":"string"}},"required":["zzz"]}',
        [("required_added", "required")],
        "major",
        backward=["required_added"],
        forward=[],
        full=["required_added"],
        none=[],
    ),
    _row(
        48,
        "exclusiveMaximum lowered",
        '{"type":"object","properties":{"n":{"type":"number","exclusiveMaximum":10}}}',
        '{"type":"object","properties":{"n":{"type":"number","exclusiveMaximum":9}}}',
        [("constraint_tightened", "properties.n.exclusiveMaximum")],
        "major",
        backward=["constraint_tightened"],
        forward=[],
        full=["constraint_tightened"],
        none=[],
    ),
    _row(
        49,
        "identical array-valued type (no crash when equal)",
        '{"type":"object","properties":{"v":{"type":["string","null"]}}}',
        '{"type":"object","properties":{"v":{"type":["string","null"]}}}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
    _row(
        50,
        "nullable changes from a truthy string to true",
        '{"type":"object","properties":{"n":{"nullable":"yes"}}}',
        '{"type":"object","properties":{"n":{"nullable":true}}}',
        [("nullable_removed", "properties.n.nullable")],
        "major",
        backward=["nullable_removed"],
        forward=[],
        full=["nullable_removed"],
        none=[],
    ),
    _row(
        51,
        "enum [1] → [true] (equal under set semantics)",
        '{"type":"object","properties":{"n":{"enum":[1]}}}',
        '{"type":"object","properties":{"n":{"enum":[true]}}}',
        [],
        "patch",
        backward=[],
        forward=[],
        full=[],
        none=[],
    ),
]


def test_the_verdict_table_has_all_51_rows() -> None:
    assert len(VERDICT_TABLE) == 51


@pytest.mark.parametrize(
    ("old", "new", "changes", "change_type", "verdicts"), VERDICT_TABLE
)
def test_reference_row_detects_exactly_the_listed_changes_in_order(
    old: dict[str, Any],
    new: dict[str, Any],
    changes: list[tuple[str, str]],
    change_type: str,
    verdicts: dict[str, list[str]],
) -> None:
    assert _kinds_and_paths(diff_schemas(old, new)) == changes


@pytest.mark.parametrize(
    ("old", "new", "changes", "change_type", "verdicts"), VERDICT_TABLE
)
def test_reference_row_has_the_listed_change_type(
    old: dict[str, Any],
    new: dict[str, Any],
    changes: list[tuple[str, str]],
    change_type: str,
    verdicts: dict[str, list[str]],
) -> None:
    assert diff_schemas(old, new).change_type == change_type


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("old", "new", "changes", "change_type", "verdicts"), VERDICT_TABLE
)
def test_reference_row_has_the_listed_verdict_under_each_mode(
    old: dict[str, Any],
    new: dict[str, Any],
    changes: list[tuple[str, str]],
    change_type: str,
    verdicts: dict[str, list[str]],
    mode: str,
) -> None:
    diff = diff_schemas(old, new)
    breaking = diff.breaking_changes(mode)

    assert sorted({change.kind.value for change in breaking}) == verdicts[mode]
    assert diff.is_compatible(mode) is (not verdicts[mode])
    # breaking_changes keeps detection order: it is a filter, not a re-sort.
    assert breaking == [c for c in diff.changes if is_breaking(c.kind, mode)]


# --- 9.2: inputs that crash the reference ---------------------------------------------

CRASH_CASES = [
    pytest.param(
        {"type": "object", "properties": {"v": {"type": ["string", "null"]}}},
        {"type": "object", "properties": {"v": {"type": "string"}}},
        [("type_narrowed", "properties.v.type")],
        "major",
        id="C1-array-type-replaced-by-a-string",
    ),
    pytest.param(
        {"type": "object", "properties": {"v": {"enum": [{"a": 1}]}}},
        {"type": "object", "properties": {"v": {"enum": [{"a": 1}]}}},
        [],
        "patch",
        id="C2-enum-containing-an-object-unchanged",
    ),
    pytest.param(
        {"type": "object", "properties": {"v": True}},
        {"type": "object", "properties": {"v": True}},
        [],
        "patch",
        id="C3-boolean-property-subschema-unchanged",
    ),
    pytest.param(
        {
            "type": "object",
            "properties": {"t": {"type": "array", "items": [{"type": "string"}]}},
        },
        {
            "type": "object",
            "properties": {"t": {"type": "array", "items": [{"type": "integer"}]}},
        },
        [("type_changed", "properties.t.items.0.type")],
        "major",
        id="C4-tuple-items",
    ),
    pytest.param(
        {"type": "object", "properties": {"n": {"maxLength": "5"}}},
        {"type": "object", "properties": {"n": {"maxLength": 6}}},
        [("constraint_tightened", "properties.n.maxLength")],
        "major",
        id="C5-non-numeric-constraint-value",
    ),
]


@pytest.mark.parametrize(("old", "new", "changes", "change_type"), CRASH_CASES)
def test_inputs_that_crash_the_reference_get_the_recommended_result(
    old: dict[str, Any],
    new: dict[str, Any],
    changes: list[tuple[str, str]],
    change_type: str,
) -> None:
    diff = diff_schemas(old, new)

    assert _kinds_and_paths(diff) == changes
    assert diff.change_type == change_type


# --- Section 4: the breaking table ----------------------------------------------------

# kind: (backward, forward, full, none, change_type of that change alone)
BREAKING_TABLE = {
    "property_added": (False, True, True, False, "minor"),
    "property_removed": (True, False, True, False, "major"),
    "property_renamed": (True, True, True, False, "major"),
    "type_changed": (True, True, True, False, "major"),
    "type_widened": (False, True, True, False, "patch"),
    "type_narrowed": (True, False, True, False, "major"),
    "required_added": (True, False, True, False, "major"),
    "required_removed": (False, True, True, False, "patch"),
    "enum_values_added": (False, True, True, False, "minor"),
    "enum_values_removed": (True, False, True, False, "major"),
    "constraint_tightened": (True, False, True, False, "major"),
    "constraint_relaxed": (False, True, True, False, "patch"),
    "default_added": (False, True, True, False, "minor"),
    "default_removed": (True, False, True, False, "major"),
    "default_changed": (False, False, False, False, "patch"),
    "nullable_added": (False, True, True, False, "minor"),
    "nullable_removed": (True, False, True, False, "major"),
}


def test_change_kinds_are_exactly_the_wire_names_of_section_2() -> None:
    assert {kind.value for kind in ChangeKind} == set(BREAKING_TABLE)


def test_compatibility_modes_are_the_four_wire_names() -> None:
    assert [mode.value for mode in CompatibilityMode] == MODES


@pytest.mark.parametrize("mode_index", range(4), ids=MODES)
@pytest.mark.parametrize("kind", sorted(BREAKING_TABLE))
def test_each_kind_is_breaking_exactly_where_the_table_says(
    kind: str, mode_index: int
) -> None:
    mode = MODES[mode_index]
    expected = BREAKING_TABLE[kind][mode_index]

    assert is_breaking(kind, mode) is expected
    assert is_breaking(ChangeKind(kind), CompatibilityMode(mode)) is expected
    assert (ChangeKind(kind) in BREAKING_KINDS[CompatibilityMode(mode)]) is expected


def test_full_is_the_union_of_backward_and_forward() -> None:
    assert (
        BREAKING_KINDS[CompatibilityMode.FULL]
        == BREAKING_KINDS[CompatibilityMode.BACKWARD]
        | BREAKING_KINDS[CompatibilityMode.FORWARD]
    )


def test_none_mode_has_no_breaking_kinds() -> None:
    assert BREAKING_KINDS[CompatibilityMode.NONE] == frozenset()


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="sideways"):
        is_breaking("property_added", "sideways")


def test_an_unknown_kind_is_not_breaking() -> None:
    assert is_breaking("property_teleported", "full") is False


@pytest.mark.parametrize("kind", sorted(BREAKING_TABLE))
def test_a_single_change_counts_toward_the_listed_change_type(kind: str) -> None:
    change = Change(ChangeKind(kind), "x", "m")

    assert classify_change_type([change]) == BREAKING_TABLE[kind][4]


def test_no_changes_is_a_patch() -> None:
    assert classify_change_type([]) == "patch"


def test_a_major_change_outweighs_minor_ones() -> None:
    changes = [
        Change(ChangeKind.PROPERTY_ADDED, "properties.a", "m"),
        Change(ChangeKind.DEFAULT_CHANGED, "default", "m"),
        Change(ChangeKind.PROPERTY_REMOVED, "properties.b", "m"),
    ]

    assert classify_change_type(changes) == "major"


def test_a_minor_change_outweighs_patch_ones() -> None:
    changes = [
        Change(ChangeKind.TYPE_WIDENED, "type", "m"),
        Change(ChangeKind.NULLABLE_ADDED, "nullable", "m"),
    ]

    assert classify_change_type(changes) == "minor"


def test_classify_accepts_any_iterable() -> None:
    changes = (Change(ChangeKind.DEFAULT_ADDED, "default", "m") for _ in range(2))

    assert classify_change_type(changes) == "minor"


# --- Section 2: messages and values ---------------------------------------------------

MESSAGE_CASES = [
    pytest.param(
        {"properties": {}},
        {"properties": {"name": {}}},
        "Property 'name' was added",
        id="property-added",
    ),
    pytest.param(
        {"properties": {"name": {}}},
        {"properties": {}},
        "Property 'name' was removed",
        id="property-removed",
    ),
    pytest.param(
        {"type": "string"},
        {"type": "integer"},
        "Type changed from 'string' to 'integer'",
        id="type-changed",
    ),
    pytest.param(
        {"type": "integer"},
        {"type": "number"},
        "Type widened from 'integer' to 'number'",
        id="type-widened",
    ),
    pytest.param(
        {"type": "number"},
        {"type": "integer"},
        "Type narrowed from 'number' to 'integer'",
        id="type-narrowed",
    ),
    pytest.param(
        {"type": ["string", "null"]},
        {"type": "string"},
        "Type narrowed from ['string', 'null'] to 'string'",
        id="type-narrowed-from-array",
    ),
    pytest.param({}, {"required": ["a"]}, "Field 'a' is now required", id="required"),
    pytest.param(
        {"required": ["a"]},
        {"required": []},
        "Field 'a' is no longer required",
        id="no-longer-required",
    ),
    pytest.param(
        {"enum": ["a", "b"]},
        {"enum": ["a", "b", "c"]},
        "Enum values added: {'c'}",
        id="enum-added",
    ),
    pytest.param(
        {"enum": ["a", "b"]},
        {"enum": ["a"]},
        "Enum values removed: {'b'}",
        id="enum-removed",
    ),
    pytest.param(
        {"enum": ["a"]},
        {"enum": ["a", "z", None, True, {"k": "v"}]},
        "Enum values added: {'z', None, True, {'k': 'v'}}",
        id="enum-added-in-document-order-with-python-repr",
    ),
    pytest.param(
        {},
        {"minLength": 1},
        "Constraint 'minLength' was added with value 1",
        id="constraint-added",
    ),
    pytest.param(
        {"maxLength": 100},
        {"maxLength": 50},
        "Constraint 'maxLength' tightened from 100 to 50",
        id="constraint-tightened",
    ),
    pytest.param(
        {"minimum": 5},
        {"minimum": 0.5},
        "Constraint 'minimum' relaxed from 5 to 0.5",
        id="constraint-relaxed",
    ),
    pytest.param(
        {"maxLength": 10},
        {},
        "Constraint 'maxLength' was removed",
        id="constraint-removed",
    ),
    pytest.param(
        {"pattern": "^a"},
        {"pattern": "^b"},
        "Pattern changed from '^a' to '^b'",
        id="pattern-changed",
    ),
    pytest.param(
        {},
        {"pattern": "^a"},
        "Constraint 'pattern' was added with value '^a'",
        id="pattern-added",
    ),
    pytest.param(
        {"maxLength": "5"},
        {"maxLength": 6},
        "Constraint 'maxLength' tightened from '5' to 6",
        id="incomparable-constraint",
    ),
    pytest.param(
        {}, {"default": True}, "Default value added: True", id="default-added"
    ),
    pytest.param(
        {},
        {"default": {"a": None}},
        "Default value added: {'a': None}",
        id="default-added-dict",
    ),
    pytest.param(
        {"default": "x"},
        {},
        "Default value removed (was 'x')",
        id="default-removed",
    ),
    pytest.param(
        {"default": True},
        {"default": False},
        "Default value changed from True to False",
        id="default-changed",
    ),
    pytest.param({}, {"nullable": True}, "Field is now nullable", id="nullable-added"),
    pytest.param(
        {"nullable": True}, {}, "Field is no longer nullable", id="nullable-removed"
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), MESSAGE_CASES)
def test_messages_follow_the_reference_templates(
    old: dict[str, Any], new: dict[str, Any], message: str
) -> None:
    assert [change.message for change in diff_schemas(old, new).changes] == [message]


VALUE_CASES = [
    pytest.param(
        {"properties": {"a": {"type": "string"}}},
        {"properties": {}},
        {"type": "string"},
        None,
        id="property-removed",
    ),
    pytest.param(
        {"properties": {}},
        {"properties": {"a": True}},
        None,
        True,
        id="property-added-boolean-subschema",
    ),
    pytest.param(
        {"type": ["integer"]},
        {"type": ["integer", "null"]},
        ["integer"],
        ["integer", "null"],
        id="type-widened-array",
    ),
    pytest.param(
        {"required": ["b", "a"]},
        {"required": ["b", "a", "c"]},
        ["b", "a"],
        ["b", "a", "c"],
        id="required-lists-in-document-order",
    ),
    pytest.param(
        {},
        {"enum": ["z", "a"]},
        [],
        ["z", "a"],
        id="enum-introduced",
    ),
    pytest.param({}, {"maximum": 3}, None, 3, id="constraint-added"),
    pytest.param({"maximum": 3}, {}, 3, None, id="constraint-removed"),
    pytest.param({}, {"default": None}, None, None, id="default-null-added"),
    pytest.param({}, {"nullable": True}, False, True, id="nullable-added"),
    pytest.param(
        {"nullable": "yes"}, {"nullable": True}, "yes", True, id="nullable-truthy"
    ),
]


@pytest.mark.parametrize(("old", "new", "old_value", "new_value"), VALUE_CASES)
def test_changes_carry_the_old_and_new_json_values(
    old: dict[str, Any], new: dict[str, Any], old_value: Any, new_value: Any
) -> None:
    (change,) = diff_schemas(old, new).changes

    assert (change.old_value, change.new_value) == (old_value, new_value)


def test_to_dict_renders_the_wire_form_with_the_change_type_extension() -> None:
    (change,) = diff_schemas({"type": "integer"}, {"type": "number"}).changes

    assert change.to_dict() == {
        "type": "type_widened",
        "path": "type",
        "message": "Type widened from 'integer' to 'number'",
        "old_value": "integer",
        "new_value": "number",
        "change_type": "type_widened",
    }
    assert type(change.to_dict()["type"]) is str


def test_to_dict_is_json_serialisable() -> None:
    diff = diff_schemas(
        {"properties": {"a": {"enum": [1]}}, "required": ["a"]},
        {"properties": {"b": {"type": "string"}, "a": {"enum": [2]}}},
    )

    json.dumps([change.to_dict() for change in diff.changes])


def test_has_changes_is_false_for_identical_schemas() -> None:
    assert not diff_schemas({"type": "object"}, {"type": "object"}).has_changes


def test_has_changes_is_true_when_anything_changed() -> None:
    assert diff_schemas({"type": "object"}, {"type": "array"}).has_changes


def test_the_result_is_frozen() -> None:
    diff = diff_schemas({}, {"default": 1})

    with pytest.raises(AttributeError):
        diff.change_type = "major"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        diff.changes[0].path = "x"  # type: ignore[misc]


def test_change_values_do_not_alias_the_inputs() -> None:
    new = {"properties": {"a": {"type": "object", "properties": {}}}}
    (change,) = diff_schemas({"properties": {}}, new).changes

    change.new_value["properties"]["sneaky"] = {}
    change.to_dict()["new_value"]["type"] = "array"

    assert new == {"properties": {"a": {"type": "object", "properties": {}}}}


# --- Section 3 and 6: paths and ordering ----------------------------------------------


def test_nested_changes_come_before_the_enclosing_nodes_own_changes() -> None:
    old = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"x": {}}}},
    }
    new = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {}}},
        "required": ["a"],
    }

    assert _kinds_and_paths(diff_schemas(old, new)) == [
        ("property_removed", "properties.a.properties.x"),
        ("required_added", "required"),
    ]


def test_steps_within_one_node_run_in_the_documented_order() -> None:
    old = {
        "type": "array",
        "properties": {"gone": {}, "kept": {"type": "string"}},
        "required": ["old"],
        "maxLength": 5,
        "enum": ["x"],
        "items": {"type": "string"},
    }
    new = {
        "type": "array",
        "properties": {"kept": {"type": "integer"}, "new": {}},
        "required": ["brand_new"],
        "minLength": 1,
        "enum": ["y"],
        "default": [],
        "nullable": True,
        "items": {"type": "integer"},
    }

    assert _kinds_and_paths(diff_schemas(old, new)) == [
        ("property_removed", "properties.gone"),
        ("property_added", "properties.new"),
        ("type_changed", "properties.kept.type"),
        ("required_added", "required"),
        ("required_removed", "required"),
        ("constraint_relaxed", "maxLength"),
        ("constraint_tightened", "minLength"),
        ("enum_values_added", "enum"),
        ("enum_values_removed", "enum"),
        ("default_added", "default"),
        ("nullable_added", "nullable"),
        ("type_changed", "items.type"),
    ]


def test_the_type_change_comes_after_required_and_before_constraints() -> None:
    old = {"type": "string", "required": ["a"], "maxLength": 3}
    new = {"type": "integer", "required": [], "maxLength": 2}

    assert [change.kind for change in diff_schemas(old, new).changes] == [
        ChangeKind.REQUIRED_REMOVED,
        ChangeKind.TYPE_CHANGED,
        ChangeKind.CONSTRAINT_TIGHTENED,
    ]


def test_property_names_are_visited_in_code_point_order() -> None:
    old = {"properties": {"b": {}, "Z": {}, "a": {}, "c": {"type": "x"}}}
    new = {"properties": {"y": {}, "c": {"type": "z"}, "B": {}, "x": {}}}

    assert _kinds_and_paths(diff_schemas(old, new)) == [
        ("property_removed", "properties.Z"),
        ("property_removed", "properties.a"),
        ("property_removed", "properties.b"),
        ("property_added", "properties.B"),
        ("property_added", "properties.x"),
        ("property_added", "properties.y"),
        ("type_changed", "properties.c.type"),
    ]


def test_common_properties_are_recursed_in_code_point_order() -> None:
    old = {"properties": {"b": {"type": "x"}, "a": {"type": "x"}}}
    new = {"properties": {"b": {"type": "y"}, "a": {"type": "y"}}}

    assert [c.path for c in diff_schemas(old, new).changes] == [
        "properties.a.type",
        "properties.b.type",
    ]


def test_required_names_are_reported_in_code_point_order() -> None:
    old = {"required": ["q", "p", "keep"]}
    new = {"required": ["keep", "b", "a", "B"]}

    assert [c.message for c in diff_schemas(old, new).changes] == [
        "Field 'B' is now required",
        "Field 'a' is now required",
        "Field 'b' is now required",
        "Field 'p' is no longer required",
        "Field 'q' is no longer required",
    ]


def test_constraint_keywords_are_reported_in_code_point_order() -> None:
    keywords = [
        "pattern",
        "minimum",
        "minLength",
        "minItems",
        "maximum",
        "maxLength",
        "maxItems",
        "exclusiveMinimum",
        "exclusiveMaximum",
    ]
    new = {keyword: 1 for keyword in keywords}

    paths = [change.path for change in diff_schemas({}, new).changes]

    assert paths == sorted(keywords)


def test_duplicate_required_names_yield_one_change() -> None:
    diff = diff_schemas({}, {"required": ["a", "a"]})

    assert _kinds_and_paths(diff) == [("required_added", "required")]


def test_required_is_compared_independently_of_properties() -> None:
    diff = diff_schemas({"required": ["ghost"]}, {"properties": {"ghost": {}}})

    assert _kinds_and_paths(diff) == [
        ("property_added", "properties.ghost"),
        ("required_removed", "required"),
    ]


def test_paths_below_the_root_are_prefixed_with_the_node_path() -> None:
    old = {"properties": {"a": {"properties": {"b": {"type": "string"}}}}}
    new = {
        "properties": {
            "a": {
                "properties": {"b": {"type": "string", "maxLength": 3}},
                "required": ["b"],
            }
        }
    }

    assert _kinds_and_paths(diff_schemas(old, new)) == [
        ("constraint_tightened", "properties.a.properties.b.maxLength"),
        ("required_added", "properties.a.required"),
    ]


def test_property_names_with_dots_are_joined_as_is() -> None:
    diff = diff_schemas({}, {"properties": {"a.b": {}}})

    assert _kinds_and_paths(diff) == [("property_added", "properties.a.b")]


def test_items_of_a_root_array_are_compared_at_items() -> None:
    diff = diff_schemas(
        {"type": "array", "items": {"type": "string", "enum": ["a"]}},
        {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
    )

    assert _kinds_and_paths(diff) == [("enum_values_added", "items.enum")]


def test_items_are_compared_when_only_one_side_declares_them() -> None:
    diff = diff_schemas({"type": "array"}, {"type": "array", "items": {"minItems": 1}})

    assert _kinds_and_paths(diff) == [("constraint_tightened", "items.minItems")]


def test_items_are_not_compared_unless_both_types_are_exactly_array() -> None:
    old = {"type": ["array", "null"], "items": {"type": "string"}}
    new = {"type": ["array", "null"], "items": {"type": "integer"}}

    assert diff_schemas(old, new).changes == ()


def test_untracked_keywords_produce_no_changes() -> None:
    untracked = {
        "minProperties": 1,
        "maxProperties": 2,
        "multipleOf": 3,
        "uniqueItems": True,
        "format": "email",
        "const": 1,
        "additionalProperties": False,
        "patternProperties": {"^x": {"type": "string"}},
        "propertyNames": {"maxLength": 3},
        "dependencies": {"a": ["b"]},
        "if": {"type": "string"},
        "then": {"minLength": 1},
        "else": {"maxLength": 1},
        "allOf": [{"type": "string"}],
        "anyOf": [{"type": "string"}],
        "oneOf": [{"type": "string"}],
        "not": {"type": "null"},
        "$ref": "#/definitions/x",
        "definitions": {"x": {"type": "string"}},
        "contains": {"type": "string"},
        "additionalItems": False,
        "title": "t",
        "description": "d",
        "examples": [1],
        "readOnly": True,
        "writeOnly": True,
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "x",
        "x-anything": 1,
    }

    assert diff_schemas({}, untracked).changes == ()
    assert diff_schemas(untracked, {}).changes == ()


def test_adding_or_dropping_type_is_invisible() -> None:
    assert diff_schemas({}, {"type": "string"}).changes == ()
    assert diff_schemas({"type": "string"}, {}).changes == ()


def test_numerically_equal_constraints_are_unchanged() -> None:
    assert diff_schemas({"maximum": 5}, {"maximum": 5.0}).changes == ()


@pytest.mark.parametrize(
    ("keyword", "old", "new", "kind"),
    [
        ("exclusiveMinimum", 1, 2, ChangeKind.CONSTRAINT_TIGHTENED),
        ("exclusiveMinimum", 2, 1, ChangeKind.CONSTRAINT_RELAXED),
        ("minItems", 1, 0, ChangeKind.CONSTRAINT_RELAXED),
        ("maxItems", 3, 2, ChangeKind.CONSTRAINT_TIGHTENED),
        ("exclusiveMaximum", 1, 1.5, ChangeKind.CONSTRAINT_RELAXED),
    ],
)
def test_bounds_tighten_and_relax_in_their_direction(
    keyword: str, old: float, new: float, kind: ChangeKind
) -> None:
    (change,) = diff_schemas({keyword: old}, {keyword: new}).changes

    assert change.kind == kind


def test_default_null_counts_as_present() -> None:
    diff = diff_schemas({"default": None}, {})

    assert _kinds_and_paths(diff) == [("default_removed", "default")]


def test_equal_defaults_of_different_python_types_are_unchanged() -> None:
    assert diff_schemas({"default": 1}, {"default": 1.0}).changes == ()


@pytest.mark.parametrize(
    ("old", "new", "kinds"),
    [
        pytest.param({"nullable": False}, {}, [], id="false-equals-missing"),
        pytest.param({}, {"nullable": "yes"}, ["nullable_added"], id="truthy-added"),
        pytest.param({"nullable": "yes"}, {"nullable": 1}, ["nullable_removed"]),
        pytest.param(
            {"nullable": None}, {}, ["nullable_removed"], id="null-vs-missing"
        ),
        pytest.param({"nullable": True}, {"nullable": False}, ["nullable_removed"]),
    ],
)
def test_nullable_follows_the_reference_truthiness_rules(
    old: dict[str, Any], new: dict[str, Any], kinds: list[str]
) -> None:
    assert [c.kind.value for c in diff_schemas(old, new).changes] == kinds


def test_type_null_union_is_not_read_as_nullable() -> None:
    diff = diff_schemas({"type": "string"}, {"type": ["string", "null"]})

    assert _kinds_and_paths(diff) == [("type_widened", "type")]


# --- Section 7: recommended handling of inputs that crash the reference ---------------


@pytest.mark.parametrize(
    ("old", "new", "kinds"),
    [
        pytest.param(["string", "null"], ["null", "string"], [], id="same-set"),
        pytest.param("string", ["string"], [], id="string-equals-one-element-set"),
        pytest.param(["string", "string"], "string", [], id="duplicates"),
        pytest.param("string", ["string", "null"], ["type_widened"], id="superset"),
        pytest.param(["a", "b", "c"], ["a", "c"], ["type_narrowed"], id="subset"),
        pytest.param(["string", "null"], ["integer"], ["type_changed"], id="disjoint"),
        pytest.param(["a", "b"], ["b", "c"], ["type_changed"], id="overlapping"),
        pytest.param(["integer"], "number", ["type_changed"], id="no-numeric-rule"),
        pytest.param("string", None, ["type_changed"], id="null-type"),
        pytest.param({"x": 1}, {"x": 1}, [], id="odd-but-equal"),
    ],
)
def test_array_valued_types_are_compared_as_sets(
    old: Any, new: Any, kinds: list[str]
) -> None:
    diff = diff_schemas({"type": old}, {"type": new})

    assert [c.kind.value for c in diff.changes] == kinds


@pytest.mark.parametrize(
    ("old", "new", "kinds"),
    [
        pytest.param([{"a": 1, "b": 2}], [{"b": 2, "a": 1}], [], id="key-order"),
        pytest.param([[1, 2]], [[1, 2]], [], id="same-array"),
        pytest.param(
            [[1, 2]],
            [[2, 1]],
            ["enum_values_added", "enum_values_removed"],
            id="array-order-matters",
        ),
        pytest.param(
            [{"a": 1}],
            [{"a": 2}],
            ["enum_values_added", "enum_values_removed"],
            id="object-changed",
        ),
        pytest.param([1], [True], [], id="one-is-true"),
        pytest.param([1], [1.0], [], id="one-is-one-point-zero"),
        pytest.param([0], [False], [], id="zero-is-false"),
        pytest.param([{"a": 1}], [{"a": True}], [], id="python-equality-nested"),
        pytest.param([None], [False], ["enum_values_added", "enum_values_removed"]),
        pytest.param(["1"], [1], ["enum_values_added", "enum_values_removed"]),
        pytest.param([1, 1], [1], [], id="duplicates"),
        pytest.param([], [], [], id="both-empty"),
    ],
)
def test_enum_members_are_compared_canonically_with_python_equality(
    old: list[Any], new: list[Any], kinds: list[str]
) -> None:
    diff = diff_schemas({"enum": old}, {"enum": new})

    assert [c.kind.value for c in diff.changes] == kinds


def test_enum_value_lists_keep_document_order_even_with_objects() -> None:
    old = {"enum": [{"z": 1}, "b", [3]]}
    new = {"enum": ["b", {"z": 1}]}

    (change,) = diff_schemas(old, new).changes

    assert change.message == "Enum values removed: {[3]}"
    assert change.old_value == [{"z": 1}, "b", [3]]
    assert change.new_value == ["b", {"z": 1}]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(True, True, id="true-true"),
        pytest.param(False, False, id="false-false"),
        pytest.param(True, False, id="true-false"),
        pytest.param(True, {}, id="true-empty"),
        pytest.param(False, {"not": {}}, id="false-not-anything"),
        pytest.param(True, {"type": "string"}, id="true-to-typed"),
        pytest.param({"type": "string"}, False, id="typed-to-false"),
    ],
)
def test_boolean_subschemas_report_only_what_the_normalisation_yields(
    old: Any, new: Any
) -> None:
    diff = diff_schemas({"properties": {"v": old}}, {"properties": {"v": new}})

    assert diff.changes == ()


def test_a_boolean_subschema_against_constraints_reports_them() -> None:
    diff = diff_schemas(
        {"properties": {"v": True}}, {"properties": {"v": {"maxLength": 3}}}
    )

    assert _kinds_and_paths(diff) == [
        ("constraint_tightened", "properties.v.maxLength")
    ]


def test_boolean_items_are_normalised() -> None:
    diff = diff_schemas(
        {"type": "array", "items": True}, {"type": "array", "items": {"minItems": 1}}
    )

    assert _kinds_and_paths(diff) == [("constraint_tightened", "items.minItems")]


def test_tuple_items_extra_positions_are_not_reported() -> None:
    old = {"type": "array", "items": [{"type": "string"}]}
    new = {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}

    assert _kinds_and_paths(diff_schemas(old, new)) == [
        ("type_changed", "items.0.type")
    ]


def test_tuple_items_against_a_single_items_schema_are_not_compared() -> None:
    old = {"type": "array", "items": {"type": "string"}}
    new = {"type": "array", "items": [{"type": "integer"}]}

    assert diff_schemas(old, new).changes == ()


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        pytest.param("5", 6, ChangeKind.CONSTRAINT_TIGHTENED, id="string-vs-number"),
        pytest.param(6, "5", ChangeKind.CONSTRAINT_TIGHTENED, id="number-vs-string"),
        pytest.param("5", "6", ChangeKind.CONSTRAINT_TIGHTENED, id="two-strings"),
        pytest.param(None, 3, ChangeKind.CONSTRAINT_TIGHTENED, id="null-vs-number"),
        pytest.param([1], {"a": 1}, ChangeKind.CONSTRAINT_TIGHTENED, id="containers"),
        pytest.param(
            float("nan"), 3, ChangeKind.CONSTRAINT_TIGHTENED, id="nan-vs-number"
        ),
        pytest.param(True, 5, ChangeKind.CONSTRAINT_RELAXED, id="bool-orders-as-int"),
    ],
)
def test_incomparable_constraint_values_are_treated_as_tightening(
    old: Any, new: Any, kind: ChangeKind
) -> None:
    (change,) = diff_schemas({"maxLength": old}, {"maxLength": new}).changes

    assert change.kind == kind


def test_equal_incomparable_constraint_values_are_unchanged() -> None:
    assert diff_schemas({"maxLength": [1]}, {"maxLength": [1]}).changes == ()
    nan = float("nan")
    assert diff_schemas({"maximum": nan}, {"maximum": float("nan")}).changes == ()


ODD_NODES = [
    None,
    0,
    1.5,
    "string",
    [],
    [1, {"type": "x"}],
    True,
    False,
    {"properties": None},
    {"properties": [1, 2]},
    {"properties": "abc"},
    {"properties": {"a": None, "b": 3, "c": []}},
    {"required": "abc"},
    {"required": None},
    {"required": [1, None, {"a": 1}, ["x"], "a"]},
    {"enum": "abc"},
    {"enum": None},
    {"enum": {"a": 1}},
    {"type": {"a": [1]}},
    {"type": [["array"], {"x": 1}]},
    {"type": "array", "items": None},
    {"type": "array", "items": 3},
    {"type": "array", "items": "string"},
    {"type": "array", "items": [None, True, 3]},
    {"maxLength": {"a": [1]}, "pattern": None, "default": {"x": float("nan")}},
    {"nullable": [1]},
    {1: "non-string key", "properties": {1: {}, "a": {}}},
]


@pytest.mark.parametrize("odd", ODD_NODES, ids=repr)
@pytest.mark.parametrize(
    "place", ["root", "property", "items"], ids=["root", "property", "items"]
)
def test_odd_values_never_raise(odd: Any, place: str) -> None:
    def wrap(node: Any) -> Any:
        if place == "property":
            return {"properties": {"p": node}}
        if place == "items":
            return {"type": "array", "items": node}
        return node

    normal = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "1": {}},
        "required": ["a"],
        "enum": [1],
        "maxLength": 3,
    }

    for old, new in [(odd, normal), (normal, odd), (odd, odd)]:
        diff = diff_schemas(wrap(old), wrap(new))
        assert diff.change_type in {"patch", "minor", "major"}
        json.dumps([c.to_dict() for c in diff.changes], default=repr)


def test_odd_values_diffed_with_themselves_have_no_changes() -> None:
    for odd in ODD_NODES:
        assert diff_schemas(odd, copy.deepcopy(odd)).changes == ()


# Python's recursion limit is far below what json.loads accepts (about 1,500 nested
# containers), so nothing in the differ may recurse per level of input.
DEEP = 3 * sys.getrecursionlimit()


def _nested_properties(depth: int, leaf: Any) -> Any:
    node = leaf
    for _ in range(depth):
        node = {"type": "object", "properties": {"a": node}}
    return node


def _nested_lists(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_schemas_nested_deeper_than_the_recursion_limit_are_diffed() -> None:
    old = _nested_properties(DEEP, {"type": "string"})
    new = _nested_properties(DEEP, {"type": "integer"})

    diff = diff_schemas(old, new)

    assert _kinds_and_paths(diff) == [
        ("type_changed", ".".join(["properties.a"] * DEEP + ["type"]))
    ]


def test_a_removed_subtree_deeper_than_the_recursion_limit_is_copied() -> None:
    subtree = _nested_properties(DEEP, {"type": "string"})

    (change,) = diff_schemas({"properties": {"x": subtree}}, {"properties": {}}).changes

    node, depth = change.old_value, 0
    while "properties" in node:
        assert node is not subtree
        node, depth = node["properties"]["a"], depth + 1
    assert (depth, node) == (DEEP, {"type": "string"})


def test_enum_members_deeper_than_the_recursion_limit_are_compared() -> None:
    same = diff_schemas(
        {"enum": [_nested_lists(DEEP, 1)]}, {"enum": [_nested_lists(DEEP, True)]}
    )
    changed = diff_schemas(
        {"enum": [_nested_lists(DEEP, 1)]}, {"enum": [_nested_lists(DEEP, 2)]}
    )

    assert same.changes == ()
    assert [c.kind for c in changed.changes] == [
        ChangeKind.ENUM_VALUES_ADDED,
        ChangeKind.ENUM_VALUES_REMOVED,
    ]
    assert changed.changes[0].message == (
        "Enum values added: {<value nested too deeply to display>}"
    )


def test_the_deepest_default_json_can_carry_is_diffed_and_displayed() -> None:
    depth = 1400
    old = json.loads('{"default":' + "[" * depth + "1" + "]" * depth + "}")
    new = json.loads('{"default":' + "[" * depth + "2" + "]" * depth + "}")

    (change,) = diff_schemas(old, new).changes

    assert change.kind == ChangeKind.DEFAULT_CHANGED
    assert change.message.endswith("[" * depth + "2" + "]" * depth)


# --- 9.3: publish outcomes by mode, at the diff level ---------------------------------

CURRENT = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id"],
}
ADDS_NAME = {
    **CURRENT,
    "properties": {**CURRENT["properties"], "name": {"type": "string"}},
}
REMOVES_EMAIL = {**CURRENT, "properties": {"id": {"type": "integer"}}}
ID_NUMBER = {
    **CURRENT,
    "properties": {"id": {"type": "number"}, "email": {"type": "string"}},
}
ID_STRING = {
    **CURRENT,
    "properties": {"id": {"type": "string"}, "email": {"type": "string"}},
}

# The action decides the diff-level verdict: "published" needs a compatible diff;
# "proposal_created" and "force_published" both mean it was breaking.
END_TO_END = [
    (ADDS_NAME, "backward", "published", "minor"),
    (ADDS_NAME, "forward", "proposal_created", "minor"),
    (ADDS_NAME, "full", "proposal_created", "minor"),
    (ADDS_NAME, "none", "published", "minor"),
    (REMOVES_EMAIL, "backward", "proposal_created", "major"),
    (REMOVES_EMAIL, "forward", "published", "major"),
    (REMOVES_EMAIL, "full", "proposal_created", "major"),
    (REMOVES_EMAIL, "none", "published", "major"),
    (REMOVES_EMAIL, "backward", "force_published", "major"),
    (ID_NUMBER, "backward", "published", "patch"),
    (ID_NUMBER, "forward", "proposal_created", "patch"),
    (ID_STRING, "backward", "proposal_created", "major"),
    (ID_STRING, "forward", "proposal_created", "major"),
    (ID_STRING, "full", "proposal_created", "major"),
    (ID_STRING, "none", "published", "major"),
    *[(copy.deepcopy(CURRENT), mode, "published", "patch") for mode in MODES],
]


@pytest.mark.parametrize(("new", "mode", "action", "change_type"), END_TO_END)
def test_publish_outcomes_follow_from_the_diff(
    new: dict[str, Any], mode: str, action: str, change_type: str
) -> None:
    diff = diff_schemas(CURRENT, new)

    assert diff.is_compatible(mode) is (action == "published")
    assert diff.change_type == change_type


# --- Property-based tests -------------------------------------------------------------

NAMES = st.text(alphabet="abxy._", min_size=1, max_size=3)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=3)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-3, max_value=3)
    | st.text(alphabet="ab'\"é", max_size=3)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(NAMES, children, max_size=3)
    ),
    max_leaves=6,
)
TYPE_NAMES = st.sampled_from(
    ["string", "integer", "number", "boolean", "object", "array", "null"]
)
NUMBERS = st.integers(min_value=0, max_value=5) | st.floats(
    min_value=0, max_value=5, allow_nan=False
)
COMMON_KEYWORDS = {
    "enum": st.lists(JSON_VALUES, max_size=4),
    "default": JSON_VALUES,
    "nullable": st.booleans() | st.sampled_from(["yes", "", 0, 1, None]),
    "maxLength": NUMBERS,
    "minLength": NUMBERS,
    "maximum": NUMBERS,
    "minimum": NUMBERS,
    "exclusiveMaximum": NUMBERS,
    "exclusiveMinimum": NUMBERS,
    "maxItems": NUMBERS,
    "minItems": NUMBERS,
    "pattern": st.sampled_from(["^a", "^b$", "x+"]),
    "description": st.text(max_size=3),
    "format": st.sampled_from(["email", "date"]),
}
LEAF_SCHEMAS = st.fixed_dictionaries(
    {},
    optional={
        "type": TYPE_NAMES | st.lists(TYPE_NAMES, min_size=1, max_size=3, unique=True),
        **COMMON_KEYWORDS,
    },
)


def _object_schemas(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"type": st.just("object")},
        optional={
            "properties": st.dictionaries(NAMES, children, max_size=4),
            "required": st.lists(NAMES, max_size=3, unique=True),
            "additionalProperties": st.booleans(),
            "default": JSON_VALUES,
            "nullable": st.booleans(),
        },
    )


def _array_schemas(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"type": st.just("array")},
        optional={
            "items": children | st.lists(children, max_size=3),
            "minItems": NUMBERS,
            "maxItems": NUMBERS,
        },
    )


SCHEMAS = st.recursive(
    LEAF_SCHEMAS | st.booleans(),
    lambda children: _object_schemas(children) | _array_schemas(children),
    max_leaves=12,
)
ROOT_SCHEMAS = _object_schemas(SCHEMAS) | _array_schemas(SCHEMAS) | LEAF_SCHEMAS

# Arbitrary JSON (NaN and infinities included) wherever a keyword is expected, to
# prove that no shape of input makes the differ raise.
CHAOS_KEYS = (
    st.sampled_from(
        [
            "type",
            "properties",
            "required",
            "enum",
            "items",
            "default",
            "nullable",
            "maxLength",
            "minimum",
            "exclusiveMaximum",
            "pattern",
        ]
    )
    | NAMES
)
CHAOS = st.recursive(
    SCALARS | st.floats() | TYPE_NAMES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(CHAOS_KEYS, children, max_size=5)
    ),
    max_leaves=25,
)
ANY_INPUT = ROOT_SCHEMAS | CHAOS

PROPERTY_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)


@PROPERTY_SETTINGS
@given(ANY_INPUT)
def test_a_schema_diffed_with_itself_has_no_changes(schema: Any) -> None:
    for other in (schema, copy.deepcopy(schema)):
        diff = diff_schemas(schema, other)

        assert diff.changes == ()
        assert diff.change_type == "patch"


@PROPERTY_SETTINGS
@given(st.data())
def test_removing_every_required_property_is_reported_and_backward_breaking(
    data: st.DataObject,
) -> None:
    properties = data.draw(st.dictionaries(NAMES, SCHEMAS, min_size=1, max_size=6))
    required = data.draw(
        st.lists(st.sampled_from(sorted(properties)), min_size=1, unique=True)
    )
    nested = data.draw(st.booleans())
    old: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
    }
    new: dict[str, Any] = {
        "type": "object",
        "properties": {k: v for k, v in properties.items() if k not in required},
        "required": [],
    }
    prefix = ""
    if nested:
        old = {"type": "object", "properties": {"outer": old}}
        new = {"type": "object", "properties": {"outer": new}}
        prefix = "properties.outer."

    diff = diff_schemas(old, new)
    breaking = {(c.kind, c.path) for c in diff.breaking_changes("backward")}
    messages = {c.message for c in diff.changes if c.kind == "required_removed"}

    for name in required:
        path = f"{prefix}properties.{name}"
        assert (ChangeKind.PROPERTY_REMOVED, path) in breaking
        assert f"Field '{name}' is no longer required" in messages
    assert diff.change_type == "major"
    assert not diff.is_compatible("backward")


@PROPERTY_SETTINGS
@given(ANY_INPUT, ANY_INPUT)
def test_diff_never_raises_and_its_summary_is_consistent(old: Any, new: Any) -> None:
    diff = diff_schemas(old, new)

    assert diff.change_type == classify_change_type(diff.changes)
    assert diff.is_compatible("none")
    assert all(isinstance(change.kind, ChangeKind) for change in diff.changes)
    json.dumps([change.to_dict() for change in diff.changes])


@PROPERTY_SETTINGS
@given(ANY_INPUT, ANY_INPUT)
def test_diff_does_not_mutate_its_inputs(old: Any, new: Any) -> None:
    # repr, not ==, so NaN inside the inputs still compares equal to itself.
    before = (repr(old), repr(new))

    diff = diff_schemas(old, new)
    for change in diff.changes:
        change.to_dict()

    assert (repr(old), repr(new)) == before


@PROPERTY_SETTINGS
@given(ROOT_SCHEMAS, ROOT_SCHEMAS)
def test_swapping_sides_swaps_added_and_removed_properties(old: Any, new: Any) -> None:
    forward = diff_schemas(old, new)
    backward = diff_schemas(new, old)

    def paths(diff: SchemaDiff, kind: ChangeKind) -> list[str]:
        return [c.path for c in diff.changes if c.kind == kind]

    assert paths(forward, ChangeKind.PROPERTY_ADDED) == paths(
        backward, ChangeKind.PROPERTY_REMOVED
    )
    assert paths(forward, ChangeKind.PROPERTY_REMOVED) == paths(
        backward, ChangeKind.PROPERTY_ADDED
    )
