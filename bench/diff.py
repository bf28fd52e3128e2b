"""Benchmark ``contracts.schema_diff.diff_schemas`` and show that it scales linearly.

Run with ``python -m bench.diff``. For 10, 100 and 1,000 top-level properties it
builds a realistic pair of schemas (nested objects, arrays of objects, enums and
constraints; the new side adds, removes and retypes some properties), times the
diff over repeated runs and prints the median, the cost per property, and that cost
relative to the smallest size. A flat ratio means linear cost.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Sequence
from typing import Any

from contracts.schema_diff import diff_schemas

DEFAULT_SIZES = (10, 100, 1000)
# Each size gets about this much wall time per round, so all sizes are measured with
# similar precision.
SECONDS_PER_ROUND = 0.1
ROUNDS = 9


def build_property(index: int) -> dict[str, Any]:
    """Return one property subschema; the shape cycles through five kinds."""
    shape = index % 5
    if shape == 0:
        return {
            "type": "object",
            "properties": {
                "street": {"type": "string", "maxLength": 200},
                "number": {"type": "integer", "minimum": 0},
                "country": {"type": "string", "enum": ["DE", "FR", "NL", "US"]},
                "geo": {
                    "type": "object",
                    "properties": {
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                    "required": ["lat", "lon"],
                },
            },
            "required": ["street", "country"],
        }
    if shape == 1:
        return {
            "type": "array",
            "minItems": 0,
            "maxItems": 50,
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "price": {"type": "number", "exclusiveMinimum": 0},
                },
                "required": ["sku", "quantity"],
            },
        }
    if shape == 2:
        return {
            "type": "string",
            "enum": ["pending", "active", "suspended", "closed", "archived"],
            "default": "pending",
        }
    if shape == 3:
        return {"type": "number", "minimum": 0, "maximum": 1_000_000}
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[^@]+@[^@]+$",
        "nullable": True,
    }


def build_pair(size: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (old, new) schemas with ``size`` top-level properties on the old side.

    The new side removes every tenth property, adds ``size // 10`` new ones, changes
    the type of another tenth and edits an enum and a constraint in a further tenth,
    so every part of the walk does real work.
    """
    properties = {f"field_{index:05d}": build_property(index) for index in range(size)}
    old = {
        "type": "object",
        "properties": properties,
        "required": [name for index, name in enumerate(properties) if index % 3 == 0],
    }

    new = copy.deepcopy(old)
    new_properties = new["properties"]
    for index, name in enumerate(properties):
        if index % 10 == 3:
            del new_properties[name]
            new["required"] = [r for r in new["required"] if r != name]
        elif index % 10 == 7:
            new_properties[name]["type"] = "integer" if index % 5 == 3 else "string"
        elif index % 10 == 2:
            new_properties[name]["enum"].append("deleted")
        elif index % 10 == 4:
            new_properties[name]["maxLength"] = 100
    for index in range(size // 10):
        new_properties[f"added_{index:05d}"] = build_property(index)
    return old, new


def time_diff(old: dict[str, Any], new: dict[str, Any], runs: int) -> list[float]:
    """Return the wall time of ``runs`` diffs, in seconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        diff_schemas(old, new)
        timings.append(time.perf_counter() - start)
    return timings


def run(
    sizes: Sequence[int] = DEFAULT_SIZES, *, rounds: int = ROUNDS
) -> list[dict[str, Any]]:
    """Benchmark each size and return one result row per size.

    Each row has ``properties``, ``runs``, ``changes``, ``median_ms``,
    ``per_property_us`` and ``per_property_ratio`` (per-property cost divided by
    that of the first size; about 1 everywhere means linear).
    """
    pairs = {size: build_pair(size) for size in sizes}
    # Calibrate on a warm-up diff so each size costs about the same time per round.
    per_round = {}
    for size, (old, new) in pairs.items():
        warm_up = min(time_diff(old, new, 3))
        per_round[size] = max(1, int(SECONDS_PER_ROUND / max(warm_up, 1e-9)))

    # Rounds interleave the sizes so a load spike on a shared machine hits all of
    # them alike instead of skewing the ratio.
    timings: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size, (old, new) in pairs.items():
            timings[size].extend(time_diff(old, new, per_round[size]))

    rows: list[dict[str, Any]] = []
    for size, (old, new) in pairs.items():
        median = statistics.median(timings[size])
        rows.append(
            {
                "properties": size,
                "runs": len(timings[size]),
                "changes": len(diff_schemas(old, new).changes),
                "median_ms": median * 1e3,
                "per_property_us": median * 1e6 / size,
            }
        )
    baseline = rows[0]["per_property_us"] if rows else 1.0
    for row in rows:
        row["per_property_ratio"] = row["per_property_us"] / baseline
    return rows


def main() -> None:
    rows = run()
    header = (
        f"{'properties':>10}  {'runs':>5}  {'changes':>7}  {'median ms':>10}  "
        f"{'us/property':>11}  {'ratio':>5}"
    )
    print("diff_schemas, median over repeated runs")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['properties']:>10}  {row['runs']:>5}  {row['changes']:>7}  "
            f"{row['median_ms']:>10.3f}  {row['per_property_us']:>11.2f}  "
            f"{row['per_property_ratio']:>5.2f}"
        )
    print("ratio = cost per property relative to the smallest size (~1 = linear)")


if __name__ == "__main__":
    main()
