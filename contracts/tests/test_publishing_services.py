"""The publishing services: ``publish_contract``, ``publish_proposal`` and the comparisons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from audit.models import Event
from contracts.errors import DuplicateContractVersionError, InvalidSchemaError
from contracts.models import Contract, ContractQuerySet, Proposal
from contracts.services import publishing
from contracts.services.publishing import (
    PublishAction,
    publish_contract,
    publish_proposal,
)
from contracts.tests.factories import make_asset, make_contract
from teams.principal import Principal, PrincipalKind
from tessera.errors import BadRequestError, ForbiddenError, NotFoundError

pytestmark = pytest.mark.django_db

V1 = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
}
V2 = {"type": "object", "properties": {"id": {"type": "integer"}}}
GUARANTEES = {
    "freshness": {"max_staleness_minutes": 30},
    "volume": None,
    "nullability": {"id": "never"},
    "accepted_values": None,
}


@pytest.fixture
def actor(team) -> Principal:
    return Principal(PrincipalKind.API_KEY, frozenset({"read", "write"}), team)


@pytest.fixture
def asset(team):
    return make_asset(team, fqn="warehouse.users")


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    sent: list[tuple[str, dict[str, Any]]] = []

    def record(event_type: str, payload: dict[str, Any]) -> None:
        sent.append(
            (event_type, json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
        )

    monkeypatch.setattr(publishing, "queue_event", record)
    return sent


def publish(
    asset: Any, actor: Principal, version: str, schema: dict[str, Any], **kwargs: Any
):
    return publish_contract(
        asset_id=asset.id,
        version=version,
        schema=schema,
        published_by=kwargs.pop("published_by", actor.team_id),
        actor=actor,
        **kwargs,
    )


def approved_proposal(
    asset: Any, schema: dict[str, Any] = V2, **fields: Any
) -> Proposal:
    defaults = {
        "proposed_schema": schema,
        "change_type": "major",
        "breaking_changes": [],
        "status": Proposal.Status.APPROVED,
        "proposed_by": asset.owner_team_id,
        "proposed_version": "2.0.0",
    }
    return Proposal.objects.create(asset=asset, **(defaults | fields))


# --- publish_contract ------------------------------------------------------------------


def test_a_first_publish_has_no_change_type(asset, actor):
    result = publish(asset, actor, "1.0.0", V1)

    assert result.action == PublishAction.PUBLISHED
    assert result.change_type is None
    assert result.breaking_changes == ()
    assert result.deprecated_contract is None
    assert result.contract.status == Contract.Status.ACTIVE


def test_a_compatible_publish_reports_what_it_deprecated(asset, actor):
    current = make_contract(asset, "1.0.0", V2)

    result = publish(asset, actor, "1.1.0", V1)

    assert result.deprecated_contract == current
    assert Contract.objects.get(pk=current.pk).status == Contract.Status.DEPRECATED


def test_the_new_contract_keeps_its_requested_mode_and_guarantees(asset, actor):
    result = publish(
        asset,
        actor,
        "1.0.0",
        V1,
        compatibility_mode="forward",
        guarantees={"volume": {"min_rows": 1}},
    )

    contract = Contract.objects.get(pk=result.contract.pk)
    assert contract.compatibility_mode == "forward"
    assert contract.guarantees == {
        "freshness": None,
        "volume": {"min_rows": 1},
        "nullability": None,
        "accepted_values": None,
    }


def test_a_breaking_change_becomes_a_pending_proposal(asset, actor):
    make_contract(asset, "1.0.0", V1)

    result = publish(asset, actor, "2.0.0", V2)

    assert result.action == PublishAction.PROPOSAL_CREATED
    assert result.contract is None
    proposal = Proposal.objects.get()
    assert result.proposal == proposal
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.change_type == "major"
    assert proposal.proposed_by == actor.team_id
    assert proposal.proposed_version == "2.0.0"
    assert proposal.breaking_changes == [
        change.to_dict() for change in result.breaking_changes
    ]


def test_breaking_is_judged_under_the_current_contracts_mode(asset, actor):
    make_contract(asset, "1.0.0", V1, compatibility_mode="none")

    result = publish(asset, actor, "2.0.0", V2, compatibility_mode="full")

    assert result.action == PublishAction.PUBLISHED
    assert result.change_type == "major"


def test_invalid_schemas_are_refused_with_their_errors(asset, actor):
    with pytest.raises(InvalidSchemaError) as caught:
        publish(asset, actor, "1.0.0", {"type": "nope"})

    assert caught.value.details == {
        "errors": ["type: 'nope' is not valid under any of the given schemas"]
    }


def test_the_unique_constraint_backs_up_the_version_check(asset, actor, monkeypatch):
    # As if a concurrent publish had inserted the version after the check.
    make_contract(asset, "1.0.0", V1, status="deprecated")
    monkeypatch.setattr(ContractQuerySet, "exists", lambda self: False)

    with pytest.raises(DuplicateContractVersionError):
        publish(asset, actor, "1.0.0", V1)

    assert Contract.objects.filter(asset=asset).count() == 1


def test_an_error_after_the_insert_rolls_the_whole_publish_back(
    asset, actor, monkeypatch
):
    current = make_contract(asset, "1.0.0", V2)

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(publishing, "record_event", explode)

    with pytest.raises(RuntimeError):
        publish(asset, actor, "1.1.0", V1)

    assert list(Contract.objects.filter(asset=asset)) == [current]
    current.refresh_from_db()
    assert current.status == Contract.Status.ACTIVE


def test_an_error_after_the_proposal_insert_rolls_it_back(asset, actor, monkeypatch):
    make_contract(asset, "1.0.0", V1)

    def explode(event_type: str, payload: dict[str, Any]) -> None:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(publishing, "queue_event", explode)

    with pytest.raises(RuntimeError):
        publish(asset, actor, "2.0.0", V2)

    assert not Proposal.objects.exists()
    assert not Event.objects.filter(action="proposal.created").exists()


def test_system_actors_may_publish_for_any_team(asset, other_team):
    result = publish(
        asset, Principal.system("admin:root"), "1.0.0", V1, published_by=other_team.id
    )

    assert result.contract.published_by == other_team.id


def test_a_webhook_is_queued_for_every_contract(asset, actor, webhooks):
    publish(asset, actor, "1.0.0", V1)
    publish(asset, actor, "1.0.1", V1)
    publish(asset, actor, "2.0.0", V2, force=True)

    assert [(name, payload["version"]) for name, payload in webhooks] == [
        ("contract.published", "1.0.0"),
        ("contract.published", "1.0.1"),
        ("contract.published", "2.0.0"),
    ]
    assert {payload["from_proposal_id"] for _, payload in webhooks} == {None}


# --- publish_proposal -------------------------------------------------------------------


def test_publishing_an_approved_proposal_creates_the_contract(
    asset, actor, team, webhooks
):
    current = make_contract(asset, "1.0.0", V1, compatibility_mode="full")
    Contract.objects.filter(pk=current.pk).update(guarantees=GUARANTEES)
    proposal = approved_proposal(asset, change_type="major")

    result = publish_proposal(
        proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
    )

    contract = Contract.objects.get(pk=result.contract.pk)
    assert (contract.version, contract.schema, contract.status) == (
        "2.0.0",
        V2,
        "active",
    )
    assert contract.compatibility_mode == "full"
    assert contract.guarantees == GUARANTEES
    assert result.deprecated_contract == current
    assert Contract.objects.get(pk=current.pk).status == "deprecated"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED  # no new status on the wire
    assert proposal.published_contract == contract
    event = Event.objects.get(action="contract.published")
    assert (event.entity_id, event.actor_id) == (contract.id, team.id)
    assert event.payload == {"version": "2.0.0", "change_type": "major", "force": False}
    assert webhooks == [
        (
            "contract.published",
            {
                "contract_id": str(contract.id),
                "asset_id": str(asset.id),
                "asset_fqn": "warehouse.users",
                "version": "2.0.0",
                "producer_team_id": str(team.id),
                "producer_team_name": "Producers",
                "from_proposal_id": str(proposal.id),
            },
        )
    ]


def test_without_a_current_contract_the_defaults_apply(asset, actor, team):
    proposal = approved_proposal(asset)

    result = publish_proposal(
        proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
    )

    assert result.deprecated_contract is None
    assert result.contract.compatibility_mode == "backward"
    assert result.contract.guarantees == dict.fromkeys(publishing.GUARANTEE_KEYS)


def test_a_current_contract_without_guarantees_passes_none_on(asset, actor, team):
    make_contract(asset, "1.0.0", V1)
    proposal = approved_proposal(asset)

    result = publish_proposal(
        proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
    )

    assert result.contract.guarantees is None


def test_a_proposal_publishes_only_once(asset, actor, team):
    proposal = approved_proposal(asset)
    publish_proposal(
        proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
    )

    with pytest.raises(BadRequestError, match=r"^Proposal has already been published$"):
        publish_proposal(
            proposal_id=proposal.id, version="2.0.1", published_by=team.id, actor=actor
        )

    assert Contract.objects.filter(asset=asset).count() == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "withdrawn"])
def test_only_approved_proposals_publish(asset, actor, team, status):
    proposal = approved_proposal(asset, status=status)

    with pytest.raises(BadRequestError) as caught:
        publish_proposal(
            proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
        )

    assert caught.value.message == (
        f"Cannot publish from proposal with status '{status}'. Proposal must be approved first."
    )


def test_a_proposal_with_an_invalid_schema_is_refused(asset, actor, team):
    proposal = approved_proposal(asset, schema={"type": "nope", "minLength": -1})

    with pytest.raises(BadRequestError) as caught:
        publish_proposal(
            proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
        )

    assert caught.value.message == (
        "Invalid schema in proposal: Invalid JSON Schema: "
        "minLength: -1 is less than the minimum of 0; "
        "type: 'nope' is not valid under any of the given schemas"
    )


def test_a_deleted_asset_cannot_receive_the_contract(asset, actor, team):
    proposal = approved_proposal(asset)
    asset.deleted_at = timezone.now()
    asset.save()

    with pytest.raises(NotFoundError, match=r"^Asset not found$"):
        publish_proposal(
            proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
        )


def test_the_publisher_team_must_exist(asset):
    proposal = approved_proposal(asset)
    admin = Principal.system("admin:root")

    with pytest.raises(NotFoundError, match=r"^Publisher team not found$"):
        publish_proposal(
            proposal_id=proposal.id,
            version="2.0.0",
            published_by=Proposal._meta.pk.default(),
            actor=admin,
        )


def test_publishing_for_another_team_is_refused_first(asset, actor, other_team):
    with pytest.raises(
        ForbiddenError, match=r"^You can only publish on behalf of your own team$"
    ):
        publish_proposal(
            proposal_id=Proposal._meta.pk.default(),
            version="2.0.0",
            published_by=other_team.id,
            actor=actor,
        )


def test_an_unknown_proposal_is_404(actor, team):
    with pytest.raises(NotFoundError, match=r"^Proposal not found$"):
        publish_proposal(
            proposal_id=Proposal._meta.pk.default(),
            version="2.0.0",
            published_by=team.id,
            actor=actor,
        )


def test_a_used_version_is_refused_and_the_proposal_stays_publishable(
    asset, actor, team
):
    make_contract(asset, "2.0.0", V1)
    proposal = approved_proposal(asset)

    with pytest.raises(DuplicateContractVersionError):
        publish_proposal(
            proposal_id=proposal.id, version="2.0.0", published_by=team.id, actor=actor
        )

    proposal.refresh_from_db()
    assert proposal.published_contract is None


# --- Comparisons -----------------------------------------------------------------------


def test_history_diffs_each_contract_against_the_next_older_one(asset):
    now = timezone.now()
    schemas = [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        },
        {"type": "object", "properties": {"b": {"type": "integer"}}},
    ]
    contracts = [
        make_contract(
            asset,
            f"{index}.0.0",
            schema,
            compatibility_mode=mode,
            published_at=now + timedelta(minutes=index),
        )
        for index, (schema, mode) in enumerate(
            zip(schemas, ["forward", "full", "backward"], strict=True)
        )
    ]

    entries = publishing.contract_history(contracts[::-1])

    assert [
        (entry.contract, entry.change_type, entry.breaking_changes_count)
        for entry in entries
    ] == [
        # a removed and b retyped, judged under the older contract's "full" mode
        (contracts[2], "major", 2),
        # b added, breaking under the older contract's "forward" mode
        (contracts[1], "minor", 1),
        (contracts[0], "initial", 0),
    ]


def test_history_of_nothing_is_empty():
    assert publishing.contract_history([]) == []


def test_version_diff_uses_the_from_contracts_mode(asset):
    make_contract(asset, "1.0.0", V1, compatibility_mode="forward")
    make_contract(asset, "2.0.0", V2)

    comparison = publishing.diff_versions(
        asset, from_version="1.0.0", to_version="2.0.0"
    )

    assert comparison.mode == "forward"
    assert comparison.is_compatible  # a removal is fine under forward
    assert [change.kind.value for change in comparison.diff.changes] == [
        "property_removed"
    ]


def test_version_diff_names_the_missing_version(asset):
    make_contract(asset, "1.0.0", V1)

    with pytest.raises(
        NotFoundError, match=r"^Contract version '9\.9\.9' not found for this asset$"
    ):
        publishing.diff_versions(asset, from_version="1.0.0", to_version="9.9.9")


def test_compare_defaults_to_the_first_contracts_mode(asset):
    old = make_contract(asset, "1.0.0", V1, compatibility_mode="none")
    new = make_contract(asset, "2.0.0", V2)

    assert publishing.compare_contracts(old, new).is_compatible
    assert not publishing.compare_contracts(old, new, mode="backward").is_compatible
