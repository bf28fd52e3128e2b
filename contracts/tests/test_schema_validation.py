"""Tests for contracts.schema_validation (SCHEMA_DIFF.md section 8). No database."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.schema_validation import schema_errors, schema_limit_errors

# --- 8.1 Meta-validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "error"),
    [
        pytest.param(
            {"type": "bogus"},
            "type: 'bogus' is not valid under any of the given schemas",
            id="bogus-type",
        ),
        pytest.param(
            {"required": "x"},
            "required: 'x' is not of type 'array'",
            id="required-not-an-array",
        ),
        pytest.param(
            {"type": "object", "properties": {"id": {"type": "not_a_type"}}},
            "properties.id.type: 'not_a_type' is not valid under any of the given "
            "schemas",
            id="nested-bogus-type",
        ),
        pytest.param(
            {"minLength": -1},
            "minLength: -1 is less than the minimum of 0",
            id="negative-min-length",
        ),
        pytest.param(
            {"required": ["a", "a"]},
            "required: ['a', 'a'] has non-unique elements",
            id="duplicate-required",
        ),
    ],
)
def test_violations_use_the_reference_messages(schema: Any, error: str) -> None:
    assert schema_errors(schema) == [error]


def test_a_draft_04_boolean_exclusive_maximum_is_rejected_despite_its_schema() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 5,
        "exclusiveMaximum": True,
    }

    assert schema_errors(schema) == ["exclusiveMaximum: True is not of type 'number'"]


def test_top_level_violations_are_reported_at_root() -> None:
    assert schema_errors(["not", "a", "schema"]) == [
        "root: ['not', 'a', 'schema'] is not of type 'object', 'boolean'"
    ]


def test_array_positions_appear_in_the_path() -> None:
    schema = {"type": "array", "items": [{"type": "string"}, {"minItems": -2}]}

    assert schema_errors(schema) == [
        "items: [{'type': 'string'}, {'minItems': -2}] is not valid under any of the "
        "given schemas"
    ]


def test_every_violation_is_reported_in_meta_schema_order() -> None:
    schema = {
        "type": "bogus",
        "required": "x",
        "properties": {"id": {"minLength": -1}},
        "minLength": -1,
    }

    assert schema_errors(schema) == [
        "minLength: -1 is less than the minimum of 0",
        "required: 'x' is not of type 'array'",
        "properties.id.minLength: -1 is less than the minimum of 0",
        "type: 'bogus' is not valid under any of the given schemas",
    ]


def test_the_error_order_does_not_depend_on_document_key_order() -> None:
    first = {"type": "bogus", "required": "x", "minLength": -1}
    second = {"minLength": -1, "required": "x", "type": "bogus"}

    assert schema_errors(first) == schema_errors(second)


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param({}, id="empty"),
        pytest.param(True, id="boolean-true"),
        pytest.param(
            {"type": "object", "properties": {"a": {"type": "string"}}},
            id="simple-object",
        ),
        pytest.param(
            {"type": "string", "nullable": True, "x-foo": {"anything": [1]}},
            id="unknown-keywords",
        ),
        pytest.param({"type": "string", "format": "not-a-format"}, id="any-format"),
        pytest.param({"type": ["string", "null"]}, id="array-type"),
        pytest.param({"enum": []}, id="empty-enum"),
        pytest.param(
            {"properties": {"yes": True, "no": False}, "items": True},
            id="boolean-subschemas",
        ),
        pytest.param(
            {"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 1},
            id="declares-draft-04",
        ),
        pytest.param({"exclusiveMaximum": 10}, id="draft-07-exclusive-maximum"),
        pytest.param({"enum": [{"a": 1}, [1, 2], None]}, id="enum-of-anything"),
    ],
)
def test_valid_draft_7_schemas_have_no_errors(schema: Any) -> None:
    assert schema_errors(schema) == []


def test_a_pathologically_deep_schema_is_reported_not_raised() -> None:
    schema: dict[str, Any] = {}
    for _ in range(5000):
        schema = {"not": schema}

    assert schema_errors(schema) == ["root: Schema is nested too deeply to validate"]


# --- 8.2 Size and property limits -----------------------------------------------------


def _compact_size(schema: Any) -> int:
    return len(json.dumps(schema, separators=(",", ":"), ensure_ascii=True))


SMALL = {"type": "object", "properties": {"a": {}}}  # 39 characters compact


def test_a_schema_exactly_at_the_size_limit_passes() -> None:
    assert _compact_size(SMALL) == 39

    assert schema_limit_errors(SMALL, max_size_bytes=39, max_properties=10) == []


def test_a_schema_one_over_the_size_limit_fails() -> None:
    (error,) = schema_limit_errors(SMALL, max_size_bytes=38, max_properties=10)

    assert error.startswith("Schema too large.")
    assert "38" in error
    assert "39" in error


def test_non_ascii_characters_are_counted_escaped() -> None:
    schema = {"description": "é"}  # {"description":"\u00e9"} is 24 characters

    assert schema_limit_errors(schema, max_size_bytes=24, max_properties=1) == []
    (error,) = schema_limit_errors(schema, max_size_bytes=23, max_properties=1)
    assert "24" in error


def _with_properties(count: int, **extra: Any) -> dict[str, Any]:
    properties = {f"p{index}": {"type": "string"} for index in range(count)}
    return {"type": "object", "properties": properties, **extra}


def test_exactly_the_maximum_number_of_properties_passes() -> None:
    schema = _with_properties(3)

    assert schema_limit_errors(schema, max_size_bytes=10_000, max_properties=3) == []


def test_one_property_over_the_maximum_fails() -> None:
    schema = _with_properties(4)

    (error,) = schema_limit_errors(schema, max_size_bytes=10_000, max_properties=3)

    assert error.startswith("Too many properties in schema.")
    assert "3" in error
    assert "4" in error


def test_messages_carry_no_value_error_prefix() -> None:
    errors = schema_limit_errors(
        _with_properties(4), max_size_bytes=1, max_properties=3
    )

    assert not any(error.startswith("Value error") for error in errors)


def test_nested_properties_are_not_counted() -> None:
    schema = {
        "type": "object",
        "properties": {
            "outer": _with_properties(50),
            "list": {"type": "array", "items": _with_properties(50)},
        },
    }

    assert schema_limit_errors(schema, max_size_bytes=100_000, max_properties=2) == []


@pytest.mark.parametrize(
    "top_level_type",
    [
        pytest.param(None, id="no-type"),
        pytest.param("array", id="array"),
        pytest.param(["object", "null"], id="array-valued-type"),
    ],
)
def test_properties_are_not_counted_unless_the_type_is_exactly_object(
    top_level_type: Any,
) -> None:
    schema = _with_properties(5)
    if top_level_type is None:
        del schema["type"]
    else:
        schema["type"] = top_level_type

    assert schema_limit_errors(schema, max_size_bytes=10_000, max_properties=1) == []


def test_only_the_size_error_is_reported_when_both_limits_are_exceeded() -> None:
    errors = schema_limit_errors(
        _with_properties(4), max_size_bytes=1, max_properties=3
    )

    assert len(errors) == 1
    assert errors[0].startswith("Schema too large.")


def test_properties_that_are_not_an_object_are_not_counted() -> None:
    schema = {"type": "object", "properties": ["a", "b", "c"]}

    assert schema_limit_errors(schema, max_size_bytes=10_000, max_properties=1) == []


def test_the_default_limits_accept_an_ordinary_schema() -> None:
    schema = _with_properties(1000)

    assert (
        schema_limit_errors(schema, max_size_bytes=1_000_000, max_properties=1000) == []
    )
