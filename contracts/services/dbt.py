"""dbt manifests: sync their models and sources into assets, and check their impact.

WORKFLOWS.md 9. Both endpoints walk the same entries, in manifest order: ``nodes``
whose ``resource_type`` is ``model``, ``seed`` or ``snapshot``, then every ``sources``
entry. An entry's FQN is ``<database>.<schema>.<name>`` in lower case (``alias`` and
``identifier`` are ignored, as in the reference). Entries without a database or schema
are skipped: the reference turned a missing database into the text ``none``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from audit.services import record_event
from contracts.models import Asset, Contract
from contracts.schema_diff import diff_schemas
from teams.models import Team
from teams.principal import Principal
from tessera.errors import BadRequestError, NotFoundError

SYNCED_NODE_TYPES = frozenset({"model", "seed", "snapshot"})

# WORKFLOWS.md 9.3: the base dbt type (lower case, before any "(") -> JSON Schema type.
JSON_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("string", "text", "varchar", "char", "character varying"), "string"
    ),
    **dict.fromkeys(
        ("integer", "int", "bigint", "smallint", "int64", "int32"), "integer"
    ),
    **dict.fromkeys(
        ("number", "numeric", "decimal", "float", "double", "real", "float64"),
        "number",
    ),
    **dict.fromkeys(("boolean", "bool"), "boolean"),
    **dict.fromkeys(
        ("date", "datetime", "timestamp", "timestamp_ntz", "timestamp_tz", "time"),
        "string",
    ),
    **dict.fromkeys(("json", "jsonb", "variant", "object"), "object"),
    "array": "array",
}


def json_type(data_type: Any) -> str:
    """Map a dbt column ``data_type`` to a JSON Schema type; unknown types are strings."""
    if not isinstance(data_type, str):
        return "string"
    base = data_type.lower().split("(", 1)[0].strip()
    return JSON_TYPES.get(base, "string")


def schema_from_columns(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema the impact check compares a contract with (WORKFLOWS.md 9.3)."""
    properties: dict[str, Any] = {}
    for name, column in columns.items():
        column = column if isinstance(column, Mapping) else {}
        prop: dict[str, Any] = {"type": json_type(column.get("data_type"))}
        description = column.get("description")
        if isinstance(description, str) and description:
            prop["description"] = description
        properties[str(name)] = prop
    return {"type": "object", "properties": properties, "required": []}


@dataclass(frozen=True)
class ManifestEntry:
    """A model, seed, snapshot or source of a manifest, with its lower-cased FQN."""

    key: str
    fqn: str
    is_source: bool
    node: Mapping[str, Any]

    @property
    def columns(self) -> Mapping[str, Any]:
        columns = self.node.get("columns")
        return columns if isinstance(columns, Mapping) else {}

    def metadata(self) -> dict[str, Any]:
        """The asset metadata the sync writes (WORKFLOWS.md 9.1), replacing the old one."""
        columns = {
            str(name): {
                "description": column.get("description", ""),
                "data_type": column.get("data_type"),
            }
            for name, column in self.columns.items()
            if isinstance(column, Mapping)
        }
        if self.is_source:
            return {
                "dbt_source_id": self.key,
                "resource_type": "source",
                "description": self.node.get("description", ""),
                "columns": columns,
            }
        return {
            "dbt_node_id": self.key,
            "resource_type": self.node.get("resource_type"),
            "description": self.node.get("description", ""),
            "tags": self.node.get("tags", []),
            "columns": columns,
        }


def manifest_entries(manifest: Mapping[str, Any]) -> Iterator[ManifestEntry]:
    """Models, seeds and snapshots, then sources, in manifest order."""
    nodes = manifest.get("nodes")
    for key, node in (nodes if isinstance(nodes, Mapping) else {}).items():
        if isinstance(node, Mapping) and node.get("resource_type") in SYNCED_NODE_TYPES:
            entry = _entry(str(key), node, is_source=False)
            if entry is not None:
                yield entry
    sources = manifest.get("sources")
    for key, node in (sources if isinstance(sources, Mapping) else {}).items():
        if isinstance(node, Mapping):
            entry = _entry(str(key), node, is_source=True)
            if entry is not None:
                yield entry


def _entry(
    key: str, node: Mapping[str, Any], *, is_source: bool
) -> ManifestEntry | None:
    parts = [node.get("database"), node.get("schema"), node.get("name")]
    names = [part for part in parts if isinstance(part, str) and part]
    if len(names) < len(parts):
        return None  # the reference would have named it "none.<schema>.<name>"
    return ManifestEntry(key, ".".join(names).lower(), is_source, node)


def find_asset(fqn: str) -> Asset | None:
    """The asset of ``fqn`` in any environment, soft-deleted ones included.

    When the FQN exists in several environments, the ``DEFAULT_ENVIRONMENT`` one wins,
    then ``production``, then the oldest (the reference failed with a 500).
    """
    candidates = list(Asset.objects.filter(fqn=fqn).order_by("created_at", "id"))
    for environment in (settings.DEFAULT_ENVIRONMENT, "production"):
        for asset in candidates:
            if asset.environment == environment:
                return asset
    return candidates[0] if candidates else None


# --- Sync (POST /sync/dbt) ---------------------------------------------------------------


def load_manifest(path: str) -> dict[str, Any]:
    """Read a manifest from the server's filesystem; only regular, readable files."""
    if not (os.path.isfile(path) and os.access(path, os.R_OK)):
        raise NotFoundError(f"Manifest not found: {path}")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except OSError:
        raise NotFoundError(f"Manifest not found: {path}") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise BadRequestError(f"Invalid manifest {path}: {error}") from None
    if not isinstance(manifest, dict):
        raise BadRequestError(f"Invalid manifest {path}: not a JSON object")
    return manifest


@dataclass
class DbtSyncResult:
    created: int = 0
    updated: int = 0
    assets: list[Asset] = field(default_factory=list)


@transaction.atomic
def sync_dbt_manifest(
    *, manifest: Mapping[str, Any], owner_team_id: uuid.UUID, actor: Principal
) -> DbtSyncResult:
    """Create or update one asset per manifest entry (assets only: no contracts).

    An existing asset keeps its owner and environment; its metadata is replaced. New
    assets belong to ``owner_team_id`` in ``production``. The owner team is checked
    only when an asset has to be created (the reference never checked it).
    """
    result = DbtSyncResult()
    owner: Team | None = None
    for entry in manifest_entries(manifest):
        asset = find_asset(entry.fqn)
        if asset is not None:
            asset.metadata = entry.metadata()
            asset.save(update_fields=["metadata"])
            result.updated += 1
        else:
            if owner is None:
                owner = Team.objects.alive().filter(pk=owner_team_id).first()
                if owner is None:
                    raise NotFoundError("Owner team not found")
            asset = Asset.objects.create(
                fqn=entry.fqn,
                owner_team=owner,
                environment="production",
                metadata=entry.metadata(),
            )
            result.created += 1
        result.assets.append(asset)
    record_event(
        action="sync.dbt_synced",
        entity_type="sync",
        entity_id=uuid.uuid4(),
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"created": result.created, "updated": result.updated},
    )
    return result


# --- Impact (POST /sync/dbt/impact) ------------------------------------------------------


@dataclass(frozen=True)
class ModelImpact:
    entry: ManifestEntry
    has_contract: bool = False
    safe_to_publish: bool = True
    change_type: str | None = None
    breaking_changes: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "fqn": self.entry.fqn,
            "node_id": self.entry.key,
            "has_contract": self.has_contract,
            "safe_to_publish": self.safe_to_publish,
            "change_type": self.change_type,
            "breaking_changes": list(self.breaking_changes),
        }


def manifest_impact(manifest: Mapping[str, Any]) -> list[ModelImpact]:
    """Diff each entry's column schema against its asset's current contract.

    The current contract is the latest-published ``active`` one (the reference
    failed with a 500 when an asset had several).
    """
    results = []
    for entry in manifest_entries(manifest):
        asset = find_asset(entry.fqn)
        contract = Contract.objects.current_for(asset.id) if asset else None
        if contract is None:
            results.append(ModelImpact(entry))
            continue
        diff = diff_schemas(contract.schema, schema_from_columns(entry.columns))
        breaking = diff.breaking_changes(contract.compatibility_mode)
        results.append(
            ModelImpact(
                entry,
                has_contract=True,
                safe_to_publish=not breaking,
                change_type=diff.change_type,
                breaking_changes=tuple(change.to_dict() for change in breaking),
            )
        )
    return results
