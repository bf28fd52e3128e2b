"""Impact analysis: who is affected downstream if an asset's schema changes (API.md 5.2.12).

The reference walks the dependency graph depth-first in Python, one query per asset
(WORKFLOWS.md 7.3). Here the walk is one recursive CTE, so a request costs the same
number of queries however large the graph is:

1. ``Asset`` lookup, 2. current contract, 3. the walk (downstream assets),
4. the active registrations on the latest active contract of every walked asset.

Depth numbering is the reference's: the root's own consumers and the assets that
depend directly on the root have depth 1; their consumers and the assets one hop
further have depth 2; and so on up to ``depth``. Each asset is reported once, at the
shallowest depth it is reached (the reference may report a frontier asset once per
path, API.md 5.2.12 / WORKFLOWS.md 19 #18, and its depth-first walk may reach an asset
first through a longer path). Soft-deleted assets are traversed; the root never
appears among the impacted assets, even when a cycle leads back to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model

from contracts.errors import AssetNotFoundError, InvalidSchemaError
from contracts.models import Asset, Contract, Dependency, Registration
from contracts.schema_diff import Change, diff_schemas
from contracts.schema_validation import schema_errors
from teams.models import Team


@dataclass(frozen=True)
class ImpactedConsumer:
    team_id: uuid.UUID
    team_name: str
    status: str
    pinned_version: str | None
    depth: int


@dataclass(frozen=True)
class ImpactedAsset:
    asset_id: uuid.UUID
    fqn: str
    dependency_type: str
    depth: int


@dataclass(frozen=True)
class ImpactAnalysis:
    """The result of an impact analysis; ``traversal_depth`` is None when nothing was walked."""

    asset_id: uuid.UUID
    change_type: str
    breaking_changes: list[Change] = field(default_factory=list)
    impacted_consumers: list[ImpactedConsumer] = field(default_factory=list)
    impacted_assets: list[ImpactedAsset] = field(default_factory=list)
    traversal_depth: int | None = None

    @property
    def safe_to_publish(self) -> bool:
        return not self.breaking_changes

    @classmethod
    def without_contract(cls, asset_id: uuid.UUID) -> ImpactAnalysis:
        """The reference's fixed answer for an asset with no active contract."""
        return cls(asset_id=asset_id, change_type="minor")


def analyze_impact(
    *, asset_id: uuid.UUID, proposed_schema: Mapping[str, Any], depth: int
) -> ImpactAnalysis:
    """Diff ``proposed_schema`` against the asset's current contract and walk downstream.

    The schema is meta-validated before the asset is looked up (422 before 404, as in
    the reference). The walk runs whether or not the change is breaking.
    """
    errors = schema_errors(proposed_schema)
    if errors:
        raise InvalidSchemaError(errors)
    # Soft-deleted assets are analysed too.
    if not Asset.objects.filter(pk=asset_id).exists():
        raise AssetNotFoundError()
    current = Contract.objects.current_for(asset_id)
    if current is None:
        return ImpactAnalysis.without_contract(asset_id)

    diff = diff_schemas(current.schema, proposed_schema)
    consumers, assets = trace_downstream(asset_id, depth=depth)
    return ImpactAnalysis(
        asset_id=asset_id,
        change_type=diff.change_type,
        breaking_changes=diff.breaking_changes(current.compatibility_mode),
        impacted_consumers=consumers,
        impacted_assets=assets,
        traversal_depth=depth,
    )


def trace_downstream(
    root_id: uuid.UUID, *, depth: int
) -> tuple[list[ImpactedConsumer], list[ImpactedAsset]]:
    """Return the consumers and assets affected by a change of ``root_id``, in two queries.

    Ordering (the reference's depth-first order depends on storage order, so it is not
    reproducible; this one is deterministic and close to it):

    * assets by depth, then by the ``(created_at, id)`` of the dependency row through
      which they are first reached (the earliest row coming from an asset one level
      up), whose ``dependency_type`` is the one reported;
    * consumers by depth, then by the position of their asset (the root first, then
      the assets in the order above), then by ``(registered_at, id)`` of the
      registration. A team is reported once, at its first (shallowest) occurrence.

    Both queries are raw SQL on purpose: ids stay in the driver's form (``uuid.UUID``
    on PostgreSQL, hex text on SQLite) until a row is reported, which keeps a graph of
    thousands of assets from spending its time converting ids nobody sees. Each query
    evaluates the walk itself, which is cheaper than sending thousands of ids back as
    parameters (and stays clear of SQLite's parameter limit).
    """
    walk_sql, walk_params = _walk_sql(root_id, depth)
    # Every dependency row leading into a reached asset, in report order. Which of them
    # come from the previous depth is decided below, in Python: doing it in SQL means
    # joining ``reached`` to itself, and PostgreSQL, which cannot estimate a CTE's size,
    # may then pair every asset with every other one (quadratic) before filtering.
    assets_sql = f"""{walk_sql}
        SELECT r.asset_id, r.depth, a.{_column(Asset, "fqn")},
               d.{_column(Dependency, "dependency_asset")}, d.{_column(Dependency, "dependency_type")}
        FROM reached r
        JOIN {_table(Asset)} a ON a.{_column(Asset, "id")} = r.asset_id
        JOIN {_table(Dependency)} d ON d.{_column(Dependency, "dependent_asset")} = r.asset_id
        WHERE r.depth > 0
        ORDER BY r.depth, d.{_column(Dependency, "created_at")}, d.{_column(Dependency, "id")}
    """
    # Active registrations on the latest active contract of every asset short of the
    # depth limit: consumers are one hop further than their asset.
    consumers_sql = f"""{walk_sql}
        SELECT c.{_column(Contract, "asset")}, g.{_column(Registration, "consumer_team")},
               t.{_column(Team, "name")}, g.{_column(Registration, "status")},
               g.{_column(Registration, "pinned_version")}
        FROM reached r
        JOIN {_table(Contract)} c ON c.{_column(Contract, "asset")} = r.asset_id
        JOIN {_table(Registration)} g ON g.{_column(Registration, "contract")} = c.{_column(Contract, "id")}
        JOIN {_table(Team)} t ON t.{_column(Team, "id")} = g.{_column(Registration, "consumer_team")}
        WHERE r.depth < %s
          AND g.{_column(Registration, "status")} = %s
          AND c.{_column(Contract, "id")} = (
              SELECT latest.{_column(Contract, "id")} FROM {_table(Contract)} latest
              WHERE latest.{_column(Contract, "asset")} = r.asset_id
                AND latest.{_column(Contract, "status")} = %s
              ORDER BY latest.{_column(Contract, "published_at")} DESC, latest.{_column(Contract, "id")} DESC
              LIMIT 1
          )
        ORDER BY g.{_column(Registration, "registered_at")}, g.{_column(Registration, "id")}
    """
    consumers_params = (
        *walk_params,
        depth,
        Registration.Status.ACTIVE.value,
        Contract.Status.ACTIVE.value,
    )
    with connection.cursor() as cursor:
        cursor.execute(assets_sql, walk_params)
        asset_rows = cursor.fetchall()
        cursor.execute(consumers_sql, consumers_params)
        registration_rows = cursor.fetchall()

    # Keyed by the driver's id values; the root is the walk's depth-0 row.
    root_key = walk_params[0]
    asset_depth: dict[Any, int] = {root_key: 0}
    asset_depth.update((row[0], row[1]) for row in asset_rows)
    position: dict[Any, int] = {root_key: -1}
    impacted_assets: list[ImpactedAsset] = []
    for key, reached_depth, fqn, upstream_key, dependency_type in asset_rows:
        # An asset's shallowest depth is one more than some parent's, and its other
        # parents are at that depth or deeper (or were not reached at all): the first
        # row from a parent one level up is the edge it was reached through.
        if key in position or asset_depth.get(upstream_key) != reached_depth - 1:
            continue
        position[key] = len(impacted_assets)
        impacted_assets.append(
            ImpactedAsset(
                asset_id=_as_uuid(key),
                fqn=fqn,
                dependency_type=dependency_type,
                depth=reached_depth,
            )
        )

    # A stable sort keeps (registered_at, id) order within one asset. An asset missing
    # from the first query (a dependency added between the two) is skipped.
    ordered = sorted(
        (row for row in registration_rows if row[0] in asset_depth),
        key=lambda row: (asset_depth[row[0]], position[row[0]]),
    )
    consumers: dict[Any, ImpactedConsumer] = {}
    for asset_key, team_key, team_name, status, pinned_version in ordered:
        if team_key not in consumers:
            consumers[team_key] = ImpactedConsumer(
                team_id=_as_uuid(team_key),
                team_name=team_name,
                status=status,
                pinned_version=pinned_version,
                depth=asset_depth[asset_key] + 1,
            )
    return list(consumers.values()), impacted_assets


def _walk_sql(root_id: uuid.UUID, depth: int) -> tuple[str, tuple[Any, ...]]:
    """Return the ``WITH RECURSIVE`` prefix defining ``reached(asset_id, depth)``.

    ``walk`` holds (asset, depth) pairs for every path length up to ``depth``; ``UNION``
    (not ``UNION ALL``) drops repeated pairs, so it has at most assets x depth rows even
    in a dense graph, and the depth bound ends the recursion on cycles. ``reached``
    keeps each asset's shallowest depth; the root has depth 0.

    The same standard SQL runs on PostgreSQL (tables resolved through ``search_path``)
    and SQLite. The root row is read from the assets table rather than written as a
    literal, so the column gets the table's id type on both databases.
    """
    dependent = _column(Dependency, "dependent_asset")
    upstream = _column(Dependency, "dependency_asset")
    asset_pk = _column(Asset, "id")
    sql = f"""WITH RECURSIVE walk(asset_id, depth) AS (
            SELECT {asset_pk}, 0 FROM {_table(Asset)} WHERE {asset_pk} = %s
            UNION
            SELECT d.{dependent}, w.depth + 1
            FROM {_table(Dependency)} d JOIN walk w ON d.{upstream} = w.asset_id
            WHERE w.depth < %s
        ),
        reached(asset_id, depth) AS (
            SELECT asset_id, MIN(depth) FROM walk GROUP BY asset_id
        )"""
    root = Asset._meta.get_field("id").get_db_prep_value(root_id, connection)  # type: ignore[union-attr]
    return sql, (root, depth)


def _column(model: type[Model], field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)  # type: ignore[union-attr,arg-type]


def _table(model: type[Model]) -> str:
    # Unqualified: PostgreSQL finds the table through the connection's search_path.
    return connection.ops.quote_name(model._meta.db_table)


def _as_uuid(value: Any) -> uuid.UUID:
    # PostgreSQL returns uuid.UUID; SQLite returns the 32-character hex string.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
