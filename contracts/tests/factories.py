"""Rows of the contracts app, created straight through the ORM for test setup.

These bypass the services on purpose (no audit events, no validation), so a test can
arrange any state, including states the API would refuse. Shared by the tests of the
whole contracts app: keep the signatures stable.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime
from typing import Any

from django.utils import timezone

from contracts.models import Asset, Contract, Dependency, Registration
from teams.models import Team

_sequence = itertools.count(1)

DEFAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id"],
}


def make_asset(
    owner: Team, fqn: str | None = None, environment: str = "production", **fields: Any
) -> Asset:
    """Create an asset owned by ``owner``; ``fqn`` defaults to a unique ``warehouse.table_<n>``."""
    return Asset.objects.create(
        fqn=fqn or f"warehouse.table_{next(_sequence)}",
        owner_team=owner,
        environment=environment,
        **fields,
    )


def make_contract(
    asset: Asset,
    version: str = "1.0.0",
    schema: dict[str, Any] | None = None,
    status: str = "active",
    compatibility_mode: str = "backward",
    published_by: Team | None = None,
    published_at: datetime | None = None,
) -> Contract:
    """Create a contract of ``asset``, published by its owner unless ``published_by`` is given."""
    return Contract.objects.create(
        asset=asset,
        version=version,
        schema=copy.deepcopy(DEFAULT_SCHEMA) if schema is None else schema,
        status=status,
        compatibility_mode=compatibility_mode,
        published_by=(published_by or asset.owner_team).id,
        published_at=published_at or timezone.now(),
    )


def make_registration(
    contract: Contract,
    consumer_team: Team,
    status: str = "active",
    pinned_version: str | None = None,
) -> Registration:
    """Register ``consumer_team`` on ``contract``."""
    return Registration.objects.create(
        contract=contract,
        consumer_team=consumer_team,
        status=status,
        pinned_version=pinned_version,
    )


def make_dependency(
    dependent: Asset,
    upstream: Asset,
    dependency_type: str = "consumes",
    created_at: datetime | None = None,
) -> Dependency:
    """Record that ``dependent`` (downstream) reads from ``upstream``."""
    return Dependency.objects.create(
        dependent_asset=dependent,
        dependency_asset=upstream,
        dependency_type=dependency_type,
        created_at=created_at or timezone.now(),
    )
