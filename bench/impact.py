"""Benchmark impact analysis on a 6-level DAG of 2,000 assets.

Run with ``python -m bench.impact``. It sets Django up on a throwaway SQLite file and
migrates it (or, with ``--database-url postgresql://...``, on that scratch database;
every row the benchmark writes is rolled back at the end), then builds:

* one root asset and 1,999 downstream assets on six levels; each asset reads from
  two to three assets of the level above, and one in four also from two levels up,
  so most assets are reachable through many paths;
* an active contract per asset, and one to three active registrations on each, from
  a pool of 200 consumer teams (plus a deprecated contract with a registration on
  one asset in ten, which must not count).

It then times ``POST /api/v1/assets/{root}/impact`` through DRF's test client (the
whole stack: authentication, meta-validation, diff, the recursive walk and the
registrations query, rendering) at depth 5 and 10, and prints the median and spread,
the size of the answer and the number of SQL queries per request.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROUNDS = 15
LEVELS = (10, 60, 180, 350, 600, 799)  # 1 root + these = 2,000 assets
TEAMS = 200
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
PROPOSED = {"type": "object", "properties": {"id": {"type": "integer"}}}  # drops "name"


class Rollback(Exception):
    """Raised to undo everything the benchmark wrote."""


def setup_django(database_url: str) -> None:
    # Before django.setup(): settings read the environment once, at import.
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.settings")
    os.environ["ENVIRONMENT"] = "development"
    os.environ["RATE_LIMIT_ENABLED"] = "false"
    os.environ["WEBHOOK_URL"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_graph(rng: random.Random) -> tuple[Any, int, int]:
    """Create the graph; return the root asset, the edge and the registration counts."""
    from django.utils import timezone

    from contracts.models import Asset, Contract, Dependency, Registration
    from teams.models import Team

    owner = Team.objects.create(name="Bench producers")
    consumers = Team.objects.bulk_create(
        Team(name=f"Bench consumer {index}") for index in range(TEAMS)
    )
    start = timezone.now() - timedelta(days=1)
    tick = iter(range(1, 10**7))

    def moment() -> Any:
        return start + timedelta(milliseconds=next(tick))

    root = Asset(fqn="bench.root", owner_team=owner)
    levels: list[list[Any]] = [[root]]
    for depth, width in enumerate(LEVELS, start=1):
        levels.append(
            [
                Asset(fqn=f"bench.l{depth}_{index}", owner_team=owner)
                for index in range(width)
            ]
        )
    Asset.objects.bulk_create(asset for level in levels for asset in level)

    edges = []
    for depth in range(1, len(levels)):
        for asset in levels[depth]:
            parents = rng.sample(
                levels[depth - 1], min(len(levels[depth - 1]), rng.randint(2, 3))
            )
            if depth >= 2 and rng.random() < 0.25:
                parents.append(rng.choice(levels[depth - 2]))
            edges += [
                Dependency(
                    dependent_asset=asset, dependency_asset=parent, created_at=moment()
                )
                for parent in parents
            ]
    Dependency.objects.bulk_create(edges)

    contracts = []
    for level in levels:
        for asset in level:
            contracts.append(
                Contract(
                    asset=asset,
                    version="1.0.0",
                    schema=SCHEMA,
                    published_by=owner.id,
                    published_at=moment(),
                )
            )
            if rng.random() < 0.1:
                contracts.append(
                    Contract(
                        asset=asset,
                        version="0.9.0",
                        schema=SCHEMA,
                        status=Contract.Status.DEPRECATED,
                        published_by=owner.id,
                        published_at=start,
                    )
                )
    Contract.objects.bulk_create(contracts)
    registrations = [
        Registration(contract=contract, consumer_team=team, registered_at=moment())
        for contract in contracts
        for team in rng.sample(
            consumers, 1 if contract.status != "active" else rng.randint(1, 3)
        )
    ]
    Registration.objects.bulk_create(registrations)
    return root, len(edges), len(registrations)


def run(rounds: int) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from teams import services as team_services
    from teams.principal import Principal

    rng = random.Random(7)
    with transaction.atomic():
        root, edge_count, registration_count = build_graph(rng)
        system = Principal.system("bench")
        team = root.owner_team
        _, raw_key = team_services.create_api_key(
            team=team, name="bench", scopes=["read"], actor=system
        )
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw_key)
        print(
            f"graph: {1 + sum(LEVELS):,} assets on {len(LEVELS)} levels below the root, "
            f"{edge_count:,} dependencies, {registration_count:,} registrations, "
            f"{connection.vendor}"
        )
        # "queries" counts every statement of one request, including the savepoint and
        # its release (the benchmark's own transaction makes the request's a savepoint).
        print(
            f"{'depth':>5} {'median ms':>10} {'min ms':>8} {'max ms':>8} "
            f"{'assets':>7} {'teams':>6} {'queries':>8}"
        )
        for depth in (5, 10):
            url = f"/api/v1/assets/{root.id}/impact?depth={depth}"
            timings = []
            # One warm-up round (imports, page cache, the key's last-use update) is not counted.
            for round_number in range(rounds + 1):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.post(url, PROPOSED, format="json")
                    elapsed = time.perf_counter() - began
                if response.status_code != 200:
                    raise SystemExit(
                        f"impact failed: {response.status_code} {response.content[:500]!r}"
                    )
                if round_number:
                    timings.append(elapsed)
            body = response.json()
            assert body["is_breaking"], body["breaking_changes"]
            print(
                f"{depth:>5} {statistics.median(timings) * 1e3:>10.1f} {min(timings) * 1e3:>8.1f} "
                f"{max(timings) * 1e3:>8.1f} {len(body['impacted_assets']):>7} "
                f"{len(body['impacted_consumers']):>6} {len(queries):>8}"
            )
        raise Rollback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a scratch database to use instead of a temporary SQLite file (rows are rolled back)",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as directory:
        setup_django(
            args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        )
        print(f"POST /api/v1/assets/{{id}}/impact, {args.rounds} rounds")
        with contextlib.suppress(Rollback):  # the rows were for this run only
            run(args.rounds)


if __name__ == "__main__":
    main()
