"""Contracts, registrations, proposals and schema validation (API.md 5.2.8-5.2.11, 5.3-5.6).

Views validate input, call a service and render; the order of business checks and
their messages lives in the services.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db.models import QuerySet
from django.urls import path
from rest_framework import status, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.api.serializers.contracts import (
    CompareContractsSerializer,
    ContractBriefSerializer,
    ContractDetailSerializer,
    ContractListQuerySerializer,
    ContractSerializer,
    CreateRegistrationQuerySerializer,
    CreateRegistrationSerializer,
    HistoryEntrySerializer,
    PublishContractSerializer,
    PublishQuerySerializer,
    RegistrationListQuerySerializer,
    RegistrationSerializer,
    UpdateRegistrationSerializer,
    VersionDiffQuerySerializer,
)
from contracts.api.serializers.proposals import (
    AcknowledgeProposalSerializer,
    AcknowledgmentSerializer,
    ForceProposalBodySerializer,
    ForceProposalQuerySerializer,
    ProposalListQuerySerializer,
    ProposalSerializer,
    ProposalStatusSerializer,
    ProposalSummarySerializer,
    PublishProposalSerializer,
)
from contracts.errors import (
    AssetNotFoundError,
    ContractNotFoundError,
    ProposalNotFoundError,
    RegistrationNotFoundError,
)
from contracts.models import Asset, Contract, Proposal, Registration
from contracts.schema_validation import schema_errors
from contracts.services import proposals, publishing, registrations
from contracts.services.publishing import (
    FORCE_WARNING,
    PROPOSAL_MESSAGE,
    ContractComparison,
    PublishAction,
    PublishResult,
)
from teams.principal import Principal
from tessera.api import BodyFirstMixin, parse_uuid, validate, validate_query
from tessera.errors import RequestValidationError
from tessera.pagination import FixedLimitOffsetPagination

PUBLISHED_MESSAGE = "Contract published"  # EXT-7: the SDK requires a message


def caller(request: Request) -> Principal:
    """The authenticated caller: teams.authentication sets a Principal as ``request.user``."""
    return cast(Principal, request.user)


def _missing(loc: list[str]) -> RequestValidationError:
    return RequestValidationError.single(
        loc, "Field required", type="missing", input=None
    )


def request_body(request: Request) -> Any:
    """The parsed JSON body; an absent one is a 422 ``missing`` at ``["body"]``."""
    data = request.data
    # DRF leaves no stream for an empty body (and then reports ``{}`` as the data).
    if request.stream is None:
        raise _missing(["body"])
    return data


def render_comparison(comparison: ContractComparison) -> dict[str, Any]:
    return {
        "change_type": comparison.diff.change_type,
        "is_compatible": comparison.is_compatible,
        "breaking_changes": [
            change.to_dict() for change in comparison.breaking_changes
        ],
        "all_changes": [change.to_dict() for change in comparison.diff.changes],
        "compatibility_mode": comparison.mode,
    }


def render_publish(result: PublishResult) -> dict[str, Any]:
    """The four bodies of API.md 5.2.8 (with EXT-7's ``message`` on direct publishes)."""
    body: dict[str, Any] = {"action": result.action.value}
    if result.change_type is not None:
        body["change_type"] = result.change_type
    breaking = [change.to_dict() for change in result.breaking_changes]
    if result.action == PublishAction.PROPOSAL_CREATED:
        body["breaking_changes"] = breaking
        body["proposal"] = ProposalSerializer(result.proposal).data
        body["message"] = PROPOSAL_MESSAGE
        return body
    if result.action == PublishAction.FORCE_PUBLISHED:
        body["breaking_changes"] = breaking
    body["contract"] = ContractSerializer(result.contract).data
    if result.action == PublishAction.FORCE_PUBLISHED:
        body["warning"] = FORCE_WARNING
    body["message"] = PUBLISHED_MESSAGE
    return body


# --- /assets/{asset_id}/contracts ----------------------------------------------------


class AssetContractViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer

    def asset_id(self) -> uuid.UUID:
        return parse_uuid(self.kwargs["asset_id"], loc=("path", "asset_id"))

    def get_asset(self) -> Asset:
        # Reads serve soft-deleted assets, as the reference does.
        asset = Asset.objects.filter(pk=self.asset_id()).first()
        if asset is None:
            raise AssetNotFoundError()
        return asset

    def list(self, request: Request, asset_id: str) -> Response:
        # No 404: an unknown or deleted asset has an empty (or normal) page.
        queryset = Contract.objects.filter(asset_id=self.asset_id()).order_by(
            "-published_at", "-id"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    def publish(self, request: Request, asset_id: str) -> Response:
        asset_uuid = self.asset_id()
        query = validate_query(PublishQuerySerializer, request)
        body = validate(PublishContractSerializer, request_body(request))
        # EXT-6: the query wins; the CLI names the publisher and force in the body.
        published_by = (
            query.get("published_by")
            or body.get("published_by")
            or body.get("publisher_team_id")
        )
        if published_by is None:
            raise _missing(["query", "published_by"])
        force = query["force"] if "force" in query else bool(body.get("force"))
        result = publishing.publish_contract(
            asset_id=asset_uuid,
            version=body["version"],
            schema=body["schema"],
            published_by=published_by,
            compatibility_mode=body["compatibility_mode"],
            guarantees=body["guarantees"],
            force=force,
            actor=caller(request),
        )
        return Response(render_publish(result), status=status.HTTP_201_CREATED)

    def history(self, request: Request, asset_id: str) -> Response:
        asset = self.get_asset()
        # One query for every contract; the diffs run in Python.
        contracts = list(asset.contracts.order_by("-published_at", "-id"))
        entries = publishing.contract_history(contracts)
        return Response(
            {
                "asset_id": str(asset.id),
                "asset_fqn": asset.fqn,
                "contracts": HistoryEntrySerializer(entries, many=True).data,
            }
        )

    def diff(self, request: Request, asset_id: str) -> Response:
        self.asset_id()  # a malformed id is a 422 before the query is checked
        params = validate_query(VersionDiffQuerySerializer, request)
        asset = self.get_asset()
        comparison = publishing.diff_versions(
            asset, from_version=params["from_version"], to_version=params["to_version"]
        )
        body = {
            "asset_id": str(asset.id),
            "asset_fqn": asset.fqn,
            "from_version": params["from_version"],
            "to_version": params["to_version"],
            **render_comparison(comparison),
        }
        body["is_breaking"] = not comparison.is_compatible  # EXT-3
        return Response(body)


# --- /contracts ------------------------------------------------------------------------


class ContractViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer
    # Comparing is a read, though it is a POST (API.md 5.0).
    required_scopes = {"compare": "read"}

    def get_contract(self) -> Contract:
        contract_id = parse_uuid(
            self.kwargs["contract_id"], loc=("path", "contract_id")
        )
        contract = Contract.objects.filter(pk=contract_id).first()
        if contract is None:
            raise ContractNotFoundError(contract_id)
        return contract

    def list(self, request: Request) -> Response:
        params = validate_query(ContractListQuerySerializer, request)
        queryset = Contract.objects.order_by("-published_at", "-id")
        if params.get("asset_id") is not None:
            queryset = queryset.filter(asset_id=params["asset_id"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("version"):
            queryset = queryset.filter(version__icontains=params["version"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    def compare(self, request: Request) -> Response:
        data = validate(CompareContractsSerializer, request_body(request))
        wanted = (data["contract_id_1"], data["contract_id_2"])
        found = {
            contract.id: contract for contract in Contract.objects.filter(pk__in=wanted)
        }
        for contract_id in wanted:  # contract 1 is reported first
            if contract_id not in found:
                raise ContractNotFoundError(contract_id)
        old, new = found[wanted[0]], found[wanted[1]]
        comparison = publishing.compare_contracts(
            old, new, mode=data.get("compatibility_mode")
        )
        return Response(
            {
                "contract_1": ContractBriefSerializer(old).data,
                "contract_2": ContractBriefSerializer(new).data,
                **render_comparison(comparison),
            }
        )

    def retrieve(self, request: Request, contract_id: str) -> Response:
        return Response(ContractDetailSerializer(self.get_contract()).data)

    def registrations(self, request: Request, contract_id: str) -> Response:
        contract = self.get_contract()
        queryset = Registration.objects.filter(contract=contract).order_by(
            "-registered_at", "-id"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)


# --- /registrations --------------------------------------------------------------------


class RegistrationViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = RegistrationSerializer

    def registration_id(self) -> uuid.UUID:
        return parse_uuid(
            self.kwargs["registration_id"], loc=("path", "registration_id")
        )

    def list(self, request: Request) -> Response:
        params = validate_query(RegistrationListQuerySerializer, request)
        queryset = Registration.objects.order_by("-registered_at", "-id")
        for field in ("consumer_team_id", "contract_id", "status"):
            if params.get(field):
                queryset = queryset.filter(**{field: params[field]})
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        query = validate_query(CreateRegistrationQuerySerializer, request)
        body = validate(CreateRegistrationSerializer, request_body(request))
        contract_id = query.get("contract_id")
        asset_id = body.get("asset_id")
        if contract_id is None and asset_id is None:
            raise _missing(["query", "contract_id"])
        registration = registrations.create_registration(
            contract_id=contract_id,
            # EXT-4: without contract_id, the asset's current contract.
            asset_id=asset_id if contract_id is None else None,
            consumer_team_id=body["consumer_team_id"],
            pinned_version=body.get("pinned_version"),
            actor=caller(request),
        )
        return Response(
            RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    def retrieve(self, request: Request, registration_id: str) -> Response:
        registration = Registration.objects.filter(pk=self.registration_id()).first()
        if registration is None:
            raise RegistrationNotFoundError()
        return Response(RegistrationSerializer(registration).data)

    def partial_update(self, request: Request, registration_id: str) -> Response:
        registration_uuid = self.registration_id()
        data = validate(UpdateRegistrationSerializer, request_body(request))
        registration = registrations.update_registration(
            registration_id=registration_uuid,
            pinned_version=data.get("pinned_version"),
            status=data.get("status"),
            actor=caller(request),
        )
        return Response(RegistrationSerializer(registration).data)

    def destroy(self, request: Request, registration_id: str) -> Response:
        registrations.delete_registration(
            registration_id=self.registration_id(), actor=caller(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- /proposals ------------------------------------------------------------------------


def _proposal_id(view: viewsets.GenericViewSet) -> uuid.UUID:
    return parse_uuid(view.kwargs["proposal_id"], loc=("path", "proposal_id"))


class ProposalViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ProposalSerializer
    pagination_class = FixedLimitOffsetPagination  # fixed 50/100 (API.md 4.1)

    def get_proposal(self, queryset: QuerySet[Proposal] | None = None) -> Proposal:
        if queryset is None:
            queryset = Proposal.objects.all()
        proposal = queryset.filter(pk=_proposal_id(self)).first()
        if proposal is None:
            raise ProposalNotFoundError()
        return proposal

    def list(self, request: Request) -> Response:
        params = validate_query(ProposalListQuerySerializer, request)
        queryset = Proposal.objects.order_by("-proposed_at", "-id")
        for field in ("asset_id", "status", "proposed_by"):
            if params.get(field):
                queryset = queryset.filter(**{field: params[field]})
        page = self.paginate_queryset(proposals.with_summary_counts(queryset))
        return self.get_paginated_response(
            ProposalSummarySerializer(page, many=True).data
        )

    def retrieve(self, request: Request, proposal_id: str) -> Response:
        return Response(ProposalSerializer(self.get_proposal()).data)

    def consumer_status(self, request: Request, proposal_id: str) -> Response:
        proposal = self.get_proposal(Proposal.objects.select_related("asset"))
        return Response(
            ProposalStatusSerializer(proposals.proposal_status(proposal)).data
        )

    def acknowledge(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        data = validate(AcknowledgeProposalSerializer, request_body(request))
        acknowledgment = proposals.acknowledge_proposal(
            proposal_id=proposal_uuid, actor=caller(request), **data
        )
        return Response(
            AcknowledgmentSerializer(acknowledgment).data,
            status=status.HTTP_201_CREATED,
        )

    def publish(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        data = validate(PublishProposalSerializer, request_body(request))
        result = publishing.publish_proposal(
            proposal_id=proposal_uuid, actor=caller(request), **data
        )
        deprecated = result.deprecated_contract
        return Response(
            {
                "action": "published",
                "proposal_id": str(proposal_uuid),
                "contract": ContractSerializer(result.contract).data,
                "deprecated_contract_id": str(deprecated.id) if deprecated else None,
            }
        )


class ProposalTransitionViewSet(viewsets.GenericViewSet):
    """Withdraw and force: neither takes a required body, so none is parsed up front.

    Withdraw ignores any body; force reads ``actor_team_id`` from one only when the
    query has no ``actor_id`` (EXT-10), and ignores a body that is not JSON.
    """

    serializer_class = ProposalSerializer

    def withdraw(self, request: Request, proposal_id: str) -> Response:
        proposal = proposals.withdraw_proposal(
            proposal_id=_proposal_id(self), actor=caller(request)
        )
        return Response(ProposalSerializer(proposal).data)

    def force(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        query = validate_query(ForceProposalQuerySerializer, request)
        actor_team_id = query.get("actor_id")
        if actor_team_id is None:
            body = validate(ForceProposalBodySerializer, self.lenient_body(request))
            actor_team_id = body.get("actor_team_id") or caller(request).team_id
        proposal = proposals.force_approve_proposal(
            proposal_id=proposal_uuid,
            actor_team_id=actor_team_id,
            actor=caller(request),
        )
        return Response(ProposalSerializer(proposal).data)

    @staticmethod
    def lenient_body(request: Request) -> dict[str, Any]:
        try:
            data = request.data
        except ParseError:
            return {}
        return data if isinstance(data, dict) else {}


# --- /schemas/validate -----------------------------------------------------------------


class SchemaValidateView(APIView):
    """Meta-validate a JSON Schema. No authentication at all (API.md 5.6.1)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        schema = request_body(request)
        if not isinstance(schema, dict):
            raise RequestValidationError.single(
                ["body"],
                "Input should be a valid dictionary",
                type="dict_type",
                input=schema,
            )
        errors = schema_errors(schema)
        return Response({"valid": not errors, "errors": errors})


def _route(view: type[viewsets.GenericViewSet], **actions: Any) -> Any:
    return view.as_view(actions)


urlpatterns = [
    path(
        "assets/<str:asset_id>/contracts",
        _route(AssetContractViewSet, get="list", post="publish"),
        name="asset-contracts",
    ),
    path(
        "assets/<str:asset_id>/contracts/history",
        _route(AssetContractViewSet, get="history"),
        name="asset-contract-history",
    ),
    path(
        "assets/<str:asset_id>/contracts/diff",
        _route(AssetContractViewSet, get="diff"),
        name="asset-contract-diff",
    ),
    path("contracts", _route(ContractViewSet, get="list"), name="contracts"),
    # Before contracts/<contract_id>: "compare" is not an id.
    path(
        "contracts/compare",
        _route(ContractViewSet, post="compare"),
        name="contract-compare",
    ),
    path(
        "contracts/<str:contract_id>",
        _route(ContractViewSet, get="retrieve"),
        name="contract-detail",
    ),
    path(
        "contracts/<str:contract_id>/registrations",
        _route(ContractViewSet, get="registrations"),
        name="contract-registrations",
    ),
    path(
        "registrations",
        _route(RegistrationViewSet, get="list", post="create"),
        name="registrations",
    ),
    path(
        "registrations/<str:registration_id>",
        _route(
            RegistrationViewSet,
            get="retrieve",
            patch="partial_update",
            delete="destroy",
        ),
        name="registration-detail",
    ),
    path("proposals", _route(ProposalViewSet, get="list"), name="proposals"),
    path(
        "proposals/<str:proposal_id>",
        _route(ProposalViewSet, get="retrieve"),
        name="proposal-detail",
    ),
    path(
        "proposals/<str:proposal_id>/status",
        _route(ProposalViewSet, get="consumer_status"),
        name="proposal-status",
    ),
    path(
        "proposals/<str:proposal_id>/acknowledge",
        _route(ProposalViewSet, post="acknowledge"),
        name="proposal-acknowledge",
    ),
    path(
        "proposals/<str:proposal_id>/publish",
        _route(ProposalViewSet, post="publish"),
        name="proposal-publish",
    ),
    path(
        "proposals/<str:proposal_id>/withdraw",
        _route(ProposalTransitionViewSet, post="withdraw"),
        name="proposal-withdraw",
    ),
    path(
        "proposals/<str:proposal_id>/force",
        _route(ProposalTransitionViewSet, post="force"),
        name="proposal-force",
    ),
    path("schemas/validate", SchemaValidateView.as_view(), name="schema-validate"),
]
