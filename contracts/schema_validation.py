"""Check submitted JSON Schemas before they are stored (SCHEMA_DIFF.md section 8).

Two independent checks: ``schema_errors`` validates against the Draft-7 meta-schema
(every schema input), and ``schema_limit_errors`` enforces the size and top-level
property limits (publish only). Both return human-readable messages; turning them
into a response is the caller's job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft7Validator

__all__ = ["schema_errors", "schema_limit_errors"]

# Draft 7 regardless of any `$schema` the document declares, as the reference does:
# a draft-04 `"exclusiveMaximum": true` is therefore an error. No format checker, so
# `format` values are not checked either.
_META_VALIDATOR = Draft7Validator(Draft7Validator.META_SCHEMA)


def schema_errors(schema: Any) -> list[str]:
    """Return one ``"<path>: <message>"`` per Draft-7 meta-schema violation.

    ``<path>`` is the dot-joined location inside ``schema`` (``root`` for the top
    level) and ``<message>`` is jsonschema's own text, which is the reference's.
    Errors come in the validator's iteration order, which is deterministic for a
    given document (it follows the meta-schema and the document's key order).
    """
    try:
        errors = list(_META_VALIDATOR.iter_errors(schema))
    except RecursionError:
        # The validator recurses per nesting level; a pathologically deep document
        # would otherwise surface as a server error rather than an invalid schema.
        return ["root: Schema is nested too deeply to validate"]
    return [f"{_error_path(error.absolute_path)}: {error.message}" for error in errors]


def schema_limit_errors(
    schema: Mapping[str, Any], *, max_size_bytes: int, max_properties: int
) -> list[str]:
    """Return the size or top-level property limit the schema exceeds, if any.

    Size is counted on compact JSON with non-ASCII escaped, so the figure does not
    depend on how the client formatted its request. Only the first failing check is
    reported, as in the reference, and messages carry no ``Value error, `` prefix:
    the caller's validation layer adds it.
    """
    size = len(json.dumps(schema, separators=(",", ":"), ensure_ascii=True))
    if size > max_size_bytes:
        return [
            f"Schema too large. Maximum size is {max_size_bytes} bytes, "
            f"got {size} bytes."
        ]

    # Only a top-level object's own properties count: nested properties are
    # bounded by the size limit alone.
    if not isinstance(schema, Mapping):
        return []
    properties = schema.get("properties")
    if schema.get("type") == "object" and isinstance(properties, Mapping):
        count = len(properties)
        if count > max_properties:
            return [
                f"Too many properties in schema. Maximum is {max_properties}, "
                f"found {count}."
            ]
    return []


def _error_path(path: Any) -> str:
    return ".".join(str(part) for part in path) or "root"
