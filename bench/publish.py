"""Benchmark publishing a 1,000-property contract through the HTTP API.

Run with ``python -m bench.publish``. It sets Django up on a throwaway SQLite file,
migrates it, then times ``POST /api/v1/assets/{id}/contracts`` through DRF's test
client (the whole stack: authentication, validation, meta-validation, diff, the
writes and the rendering) for:

* a first publish of a schema with 1,000 top-level properties (nested objects,
  arrays of objects, enums and constraints), on a fresh asset each round;
* a compatible second publish on that asset (nested properties added, limits
  relaxed), which diffs the two full schemas before publishing.

It prints the median and the spread of each.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROUNDS = 15
PROPERTIES = 1000


def build_schema(size: int = PROPERTIES) -> dict[str, Any]:
    """A schema with ``size`` top-level properties of five realistic shapes."""
    from bench.diff import build_property

    properties = {f"field_{index:05d}": build_property(index) for index in range(size)}
    return {
        "type": "object",
        "properties": properties,
        "required": [name for index, name in enumerate(properties) if index % 3 == 0],
    }


def compatible_successor(schema: dict[str, Any]) -> dict[str, Any]:
    """Add nested optional properties and relax limits: compatible under ``backward``.

    The top level keeps its 1,000 properties, the most a publish accepts.
    """
    new = copy.deepcopy(schema)
    for subschema in new["properties"].values():
        if subschema.get("type") == "object":
            subschema["properties"]["note"] = {"type": "string"}
        elif subschema.get("type") == "array":
            subschema["maxItems"] = 100
    return new


def setup_django(database: Path) -> None:
    # Before django.setup(): settings read the environment once, at import.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.settings")
    os.environ["ENVIRONMENT"] = "development"
    os.environ["RATE_LIMIT_ENABLED"] = "false"
    os.environ["WEBHOOK_URL"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed_post(
    client: Any, url: str, body: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    response = client.post(url, body, format="json")
    elapsed = time.perf_counter() - start
    if response.status_code != 201:
        raise SystemExit(
            f"publish failed: {response.status_code} {response.content[:500]!r}"
        )
    return elapsed, response.json()


def run(rounds: int = ROUNDS) -> dict[str, list[float]]:
    from rest_framework.test import APIClient

    from contracts.models import Asset
    from teams import services as team_services
    from teams.principal import Principal

    system = Principal.system("bench")
    team = team_services.create_team(name="Bench producers", metadata={}, actor=system)
    _, raw_key = team_services.create_api_key(
        team=team, name="bench", scopes=["read", "write"], actor=system
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)

    first_schema = build_schema()
    second_schema = compatible_successor(first_schema)
    size = len(json.dumps(first_schema, separators=(",", ":")))
    print(f"schema: {PROPERTIES} top-level properties, {size:,} bytes of compact JSON")

    timings: dict[str, list[float]] = {
        "first publish": [],
        "compatible second publish": [],
    }
    # One warm-up round (imports, caches, SQLite page cache) is not counted.
    for round_number in range(rounds + 1):
        asset = Asset.objects.create(fqn=f"bench.table_{round_number}", owner_team=team)
        url = f"/api/v1/assets/{asset.id}/contracts?published_by={team.id}"
        first, body = timed_post(
            client, url, {"version": "1.0.0", "schema": first_schema}
        )
        assert body["action"] == "published", body["action"]
        second, body = timed_post(
            client, url, {"version": "1.1.0", "schema": second_schema}
        )
        assert body["action"] == "published", body["action"]
        assert body["change_type"] == "minor", body["change_type"]
        if round_number:
            timings["first publish"].append(first)
            timings["compatible second publish"].append(second)
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as directory:
        setup_django(Path(directory) / "bench.sqlite3")
        timings = run()
    print(f"POST /api/v1/assets/{{id}}/contracts on SQLite, {ROUNDS} rounds")
    print(f"{'case':<28} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for case, values in timings.items():
        print(
            f"{case:<28} {statistics.median(values) * 1e3:>10.1f} "
            f"{min(values) * 1e3:>8.1f} {max(values) * 1e3:>8.1f}"
        )


if __name__ == "__main__":
    main()
