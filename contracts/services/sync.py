"""Git sync: export teams and assets to files and import them back (WORKFLOWS.md 10).

Tessera runs no git; it reads and writes ``<GIT_SYNC_PATH>/teams/*.yaml`` and
``<GIT_SYNC_PATH>/assets/*.yaml``.

File format: block-style YAML with the keys in the documented order (PyYAML's safe
dumper and loader), as the reference writes and reads it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from audit.services import record_event
from contracts.models import Asset, CompatibilityMode, Contract, Registration
from teams.models import Team
from teams.principal import Principal
from tessera.errors import BadRequestError, NotFoundError

NOT_CONFIGURED = (
    "GIT_SYNC_PATH not configured. Set the GIT_SYNC_PATH environment variable."
)


@dataclass(frozen=True)
class SyncCounts:
    teams: int
    assets: int
    contracts: int

    def to_dict(self) -> dict[str, int]:
        return {"teams": self.teams, "assets": self.assets, "contracts": self.contracts}


def sync_path() -> Path:
    """The configured directory; unset or empty is a 400."""
    configured = settings.GIT_SYNC_PATH
    if not configured:
        raise BadRequestError(NOT_CONFIGURED)
    return Path(configured)


def asset_file_name(fqn: str) -> str:
    """``wh.sch.orders`` -> ``wh_sch_orders.yaml`` (``/`` -> ``__`` first; may collide)."""
    return fqn.replace("/", "__").replace(".", "_") + ".yaml"


def dump_file(path: Path, document: Mapping[str, Any]) -> None:
    text = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    path.write_text(text, "utf-8")


# --- Push ---------------------------------------------------------------------------------


def team_document(team: Team) -> dict[str, Any]:
    return {"id": str(team.id), "name": team.name, "metadata": team.metadata}


def asset_document(asset: Asset) -> dict[str, Any]:
    """The asset, its contracts and their registrations, keys in WORKFLOWS.md 10.1 order."""
    return {
        "id": str(asset.id),
        "fqn": asset.fqn,
        "owner_team_id": str(asset.owner_team_id),
        "metadata": asset.metadata,
        "contracts": [
            {
                "id": str(contract.id),
                "version": contract.version,
                "schema": contract.schema,
                "compatibility_mode": contract.compatibility_mode,
                "guarantees": contract.guarantees,
                "status": contract.status,
                "registrations": [
                    {
                        "id": str(registration.id),
                        "consumer_team_id": str(registration.consumer_team_id),
                        "pinned_version": registration.pinned_version,
                        "status": registration.status,
                    }
                    for registration in contract.registrations.all()
                ],
            }
            for contract in asset.contracts.all()
        ],
    }


@transaction.atomic
def push(*, actor: Principal) -> tuple[Path, SyncCounts]:
    """Write every team and asset, soft-deleted ones included, from one snapshot.

    Existing files are overwritten; files of renamed or removed entities stay.
    """
    root = sync_path()
    teams = list(Team.objects.order_by("created_at", "id"))
    for team in teams:
        if "/" in team.name or team.name in {".", ".."} or "\0" in team.name:
            raise BadRequestError(
                f"Cannot push team '{team.name}': its name is not a valid file name"
            )
    assets = list(
        Asset.objects.order_by("created_at", "id").prefetch_related(
            Prefetch("contracts", Contract.objects.order_by("published_at", "id")),
            Prefetch(
                "contracts__registrations",
                Registration.objects.order_by("registered_at", "id"),
            ),
        )
    )
    try:
        (root / "teams").mkdir(parents=True, exist_ok=True)
        (root / "assets").mkdir(parents=True, exist_ok=True)
        for team in teams:
            dump_file(root / "teams" / f"{team.name}.yaml", team_document(team))
        for asset in assets:
            dump_file(
                root / "assets" / asset_file_name(asset.fqn), asset_document(asset)
            )
    except OSError as error:
        raise BadRequestError(f"Cannot write to sync path {root}: {error}") from None
    counts = SyncCounts(
        teams=len(teams),
        assets=len(assets),
        contracts=sum(len(asset.contracts.all()) for asset in assets),
    )
    _record(action="sync.pushed", actor=actor, counts=counts)
    return root, counts


# --- Pull ---------------------------------------------------------------------------------


class SyncFileError(BadRequestError):
    """A sync file that cannot be imported; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Invalid sync file {name}: {problem}")


def load_file(path: Path, name: str) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SyncFileError(name, f"cannot be read ({error})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SyncFileError(name, f"not valid YAML ({error})") from None
    if not isinstance(document, dict):
        raise SyncFileError(name, "the top level must be a mapping")
    return document


class _Reader:
    """Typed access to one file's fields; any problem is a ``SyncFileError``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, problem: str) -> SyncFileError:
        return SyncFileError(self.name, f"{where}: {problem}")

    def uuid(self, data: Mapping[str, Any], key: str, where: str) -> uuid.UUID:
        try:
            return uuid.UUID(str(data[key]))
        except KeyError:
            raise self.fail(f"{where}{key}", "missing") from None
        except ValueError:
            raise self.fail(f"{where}{key}", "not a valid UUID") from None

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        *,
        max_length: int,
        nullable: bool = False,
    ) -> str | None:
        if key not in data and not nullable:
            raise self.fail(f"{where}{key}", "missing")
        value = data.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where}{key}", "must be a non-empty string")
        if len(value) > max_length:
            raise self.fail(f"{where}{key}", f"longer than {max_length} characters")
        return value

    def mapping(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        *,
        default: dict[str, Any] | None = None,
        nullable: bool = False,
    ) -> dict[str, Any] | None:
        value = data.get(key, default)
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "must be a mapping")
        return value

    def choice(
        self, data: Mapping[str, Any], key: str, where: str, choices: list[str]
    ) -> str:
        value = data.get(key)
        if value not in choices:
            raise self.fail(f"{where}{key}", f"must be one of {', '.join(choices)}")
        return str(value)

    def entries(
        self, data: Mapping[str, Any], key: str, where: str
    ) -> list[dict[str, Any]]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}{key}", "must be a list of mappings")
        return value


@dataclass(frozen=True)
class _TeamRow:
    name: str
    id: uuid.UUID
    team_name: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class _RegistrationRow:
    id: uuid.UUID
    consumer_team_id: uuid.UUID
    pinned_version: str | None
    status: str


@dataclass(frozen=True)
class _ContractRow:
    id: uuid.UUID
    version: str
    schema: dict[str, Any]
    compatibility_mode: str
    guarantees: dict[str, Any] | None
    status: str
    registrations: list[_RegistrationRow]


@dataclass(frozen=True)
class _AssetRow:
    name: str
    id: uuid.UUID
    fqn: str
    owner_team_id: uuid.UUID
    metadata: dict[str, Any]
    contracts: list[_ContractRow]


def _parse_team(name: str, data: dict[str, Any]) -> _TeamRow:
    read = _Reader(name)
    return _TeamRow(
        name=name,
        id=read.uuid(data, "id", ""),
        team_name=read.string(data, "name", "", max_length=255) or "",
        metadata=read.mapping(data, "metadata", "", default={}) or {},
    )


def _parse_asset(name: str, data: dict[str, Any]) -> _AssetRow:
    read = _Reader(name)
    contracts = []
    for i, item in enumerate(read.entries(data, "contracts", "")):
        at = f"contracts[{i}]."
        registrations = [
            _RegistrationRow(
                id=read.uuid(reg, "id", f"{at}registrations[{j}]."),
                consumer_team_id=read.uuid(
                    reg, "consumer_team_id", f"{at}registrations[{j}]."
                ),
                pinned_version=read.string(
                    reg,
                    "pinned_version",
                    f"{at}registrations[{j}].",
                    max_length=50,
                    nullable=True,
                ),
                status=read.choice(
                    reg,
                    "status",
                    f"{at}registrations[{j}].",
                    Registration.Status.values,
                ),
            )
            for j, reg in enumerate(read.entries(item, "registrations", at))
        ]
        contracts.append(
            _ContractRow(
                id=read.uuid(item, "id", at),
                version=read.string(item, "version", at, max_length=50) or "",
                schema=read.mapping(item, "schema", at) or {},
                compatibility_mode=read.choice(
                    item, "compatibility_mode", at, CompatibilityMode.values
                ),
                guarantees=read.mapping(item, "guarantees", at, nullable=True),
                status=read.choice(item, "status", at, Contract.Status.values),
                registrations=registrations,
            )
        )
    return _AssetRow(
        name=name,
        id=read.uuid(data, "id", ""),
        fqn=read.string(data, "fqn", "", max_length=1000) or "",
        owner_team_id=read.uuid(data, "owner_team_id", ""),
        metadata=read.mapping(data, "metadata", "", default={}) or {},
        contracts=contracts,
    )


def _files(root: Path, folder: str) -> list[tuple[str, Path]]:
    directory = root / folder
    if not directory.is_dir():
        return []
    return [
        (f"{folder}/{path.name}", path)
        for path in sorted(directory.glob("*.yaml"))
        if path.is_file()
    ]


@transaction.atomic
def pull(*, actor: Principal) -> tuple[Path, SyncCounts]:
    """Upsert teams, then assets with their contracts and registrations, by id.

    Every file is parsed before anything is written, and the whole import is one
    transaction: a malformed file or a conflict (a taken team name, FQN or contract
    version, an unknown team) is a 400 naming the file, and nothing is imported.
    Nothing is deleted; environments, ``deleted_at`` and publication data of existing
    rows are left alone.
    """
    root = sync_path()
    if not root.is_dir():
        raise NotFoundError(f"Sync path not found: {root}")
    teams = [
        _parse_team(name, load_file(path, name)) for name, path in _files(root, "teams")
    ]
    assets = [
        _parse_asset(name, load_file(path, name))
        for name, path in _files(root, "assets")
    ]
    for team in teams:
        _guarded(team.name, _upsert_team, team)
    for asset in assets:
        _guarded(asset.name, _upsert_asset, asset)
    counts = SyncCounts(
        teams=len(teams),
        assets=len(assets),
        contracts=sum(len(asset.contracts) for asset in assets),
    )
    _record(action="sync.pulled", actor=actor, counts=counts)
    return root, counts


def _guarded(name: str, upsert: Any, row: Any) -> None:
    # The explicit checks in the upserts give the messages; the savepoint turns any
    # constraint they missed into the same 400 instead of a broken transaction.
    try:
        with transaction.atomic():
            upsert(row)
    except IntegrityError as error:
        raise SyncFileError(name, f"conflicts with existing data ({error})") from None


def _upsert_team(row: _TeamRow) -> None:
    if Team.objects.filter(name=row.team_name).exclude(pk=row.id).exists():
        raise SyncFileError(
            row.name, f"team name '{row.team_name}' belongs to another team"
        )
    team = Team.objects.filter(pk=row.id).first()
    if team is None:
        Team.objects.create(id=row.id, name=row.team_name, metadata=row.metadata)
        return
    team.name, team.metadata = row.team_name, row.metadata
    team.save(update_fields=["name", "metadata"])


def _require_team(name: str, team_id: uuid.UUID, field_name: str) -> None:
    # Checked here: PostgreSQL defers foreign keys to the commit.
    if not Team.objects.filter(pk=team_id).exists():
        raise SyncFileError(name, f"{field_name} {team_id}: team not found")


def _upsert_asset(row: _AssetRow) -> None:
    _require_team(row.name, row.owner_team_id, "owner_team_id")
    asset = Asset.objects.filter(pk=row.id).first()
    environment = asset.environment if asset else "production"
    taken = Asset.objects.filter(fqn=row.fqn, environment=environment)
    if taken.exclude(pk=row.id).exists():
        raise SyncFileError(
            row.name,
            f"asset '{row.fqn}' already exists in environment '{environment}' "
            "with another id",
        )
    if asset is None:
        asset = Asset.objects.create(
            id=row.id,
            fqn=row.fqn,
            owner_team_id=row.owner_team_id,
            environment=environment,
            metadata=row.metadata,
        )
    else:
        asset.fqn, asset.owner_team_id, asset.metadata = (
            row.fqn,
            row.owner_team_id,
            row.metadata,
        )
        asset.save(update_fields=["fqn", "owner_team", "metadata"])
    for contract_row in row.contracts:
        _upsert_contract(row, asset, contract_row)


def _upsert_contract(file: _AssetRow, asset: Asset, row: _ContractRow) -> None:
    contract = Contract.objects.filter(pk=row.id).first()
    owner = contract.asset_id if contract else asset.id
    if (
        Contract.objects.filter(asset_id=owner, version=row.version)
        .exclude(pk=row.id)
        .exists()
    ):
        raise SyncFileError(
            file.name, f"contract version '{row.version}' exists with another id"
        )
    fields = {
        "version": row.version,
        "schema": row.schema,
        "compatibility_mode": row.compatibility_mode,
        "guarantees": row.guarantees,
        "status": row.status,
    }
    if contract is None:
        contract = Contract.objects.create(
            id=row.id, asset=asset, published_by=asset.owner_team_id, **fields
        )
    else:
        for name, value in fields.items():
            setattr(contract, name, value)
        contract.save(update_fields=list(fields))
    for registration_row in row.registrations:
        _require_team(file.name, registration_row.consumer_team_id, "consumer_team_id")
        registration = Registration.objects.filter(pk=registration_row.id).first()
        if registration is None:
            Registration.objects.create(
                id=registration_row.id,
                contract=contract,
                consumer_team_id=registration_row.consumer_team_id,
                pinned_version=registration_row.pinned_version,
                status=registration_row.status,
            )
        else:
            registration.pinned_version = registration_row.pinned_version
            registration.status = registration_row.status
            registration.save(update_fields=["pinned_version", "status"])


def _record(*, action: str, actor: Principal, counts: SyncCounts) -> None:
    record_event(
        action=action,
        entity_type="sync",
        entity_id=uuid.uuid4(),
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload=counts.to_dict(),
    )
