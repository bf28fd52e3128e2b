"""Admin for contracts, registrations, proposals and acknowledgments.

Every page is read-only: writes go through the services (ownership rules, audit
events, webhooks). The writes offered are the proposal actions "withdraw" and
"force approve", which call the services acting as ``admin:<username>`` so that
each transition is audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from contracts.models import Acknowledgment, Contract, Proposal, Registration
from contracts.services.proposals import force_approve_proposal, withdraw_proposal
from teams.principal import Principal
from tessera.admin import ReadOnlyAdminMixin, admin_actor
from tessera.errors import TesseraError


def pretty_json(value: Any) -> SafeString:
    """Render a JSON value indented, escaped, in a ``<pre>`` block."""
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False),
    )


class ContractInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Every version of an asset, newest first; usable on the asset's admin page."""

    model = Contract
    fields = ("version", "status", "compatibility_mode", "published_at", "published_by")
    readonly_fields = fields
    ordering = ("-published_at", "-id")
    show_change_link = True
    extra = 0


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "asset",
        "version",
        "status",
        "compatibility_mode",
        "published_at",
        "versions",
    )
    list_filter = ("status", "compatibility_mode")
    list_select_related = ("asset",)
    search_fields = ("asset__fqn", "version")
    ordering = ("-published_at", "-id")
    fields = (
        "asset",
        "version",
        "status",
        "compatibility_mode",
        "published_at",
        "published_by",
        "pretty_schema",
        "pretty_guarantees",
    )
    readonly_fields = fields

    @admin.display(description="versions")
    def versions(self, contract: Contract) -> SafeString:
        # The changelist filtered to this asset lists all its versions.
        url = reverse("admin:contracts_contract_changelist")
        return format_html(
            '<a href="{}?asset__id__exact={}">all versions</a>', url, contract.asset_id
        )

    @admin.display(description="schema")
    def pretty_schema(self, contract: Contract) -> SafeString:
        return pretty_json(contract.schema)

    @admin.display(description="guarantees")
    def pretty_guarantees(self, contract: Contract) -> SafeString:
        return pretty_json(contract.guarantees)


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "consumer_team",
        "contract",
        "pinned_version",
        "status",
        "registered_at",
    )
    list_filter = ("status",)
    list_select_related = ("consumer_team", "contract")
    search_fields = ("consumer_team__name", "contract__asset__fqn", "contract__version")
    ordering = ("-registered_at", "-id")
    fields = (
        "contract",
        "consumer_team",
        "pinned_version",
        "status",
        "registered_at",
        "acknowledged_at",
    )
    readonly_fields = fields


class AcknowledgmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Acknowledgment
    fields = (
        "consumer_team",
        "response",
        "migration_deadline",
        "notes",
        "responded_at",
    )
    readonly_fields = fields
    ordering = ("responded_at", "id")
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "asset",
        "change_type",
        "status",
        "proposed_by",
        "proposed_at",
        "resolved_at",
    )
    list_filter = ("status", "change_type")
    list_select_related = ("asset",)
    search_fields = ("asset__fqn",)
    ordering = ("-proposed_at", "-id")
    inlines = (AcknowledgmentInline,)
    actions = ("withdraw", "force_approve")
    fields = (
        "asset",
        "change_type",
        "status",
        "proposed_by",
        "proposed_version",
        "proposed_at",
        "resolved_at",
        "published_contract",
        "pretty_breaking_changes",
        "pretty_proposed_schema",
    )
    readonly_fields = fields

    @admin.display(description="breaking changes")
    def pretty_breaking_changes(self, proposal: Proposal) -> SafeString:
        return pretty_json(proposal.breaking_changes)

    @admin.display(description="proposed schema")
    def pretty_proposed_schema(self, proposal: Proposal) -> SafeString:
        return pretty_json(proposal.proposed_schema)

    def has_transition_permission(self, request: HttpRequest) -> bool:
        # The model's change permission, although the change form itself is read-only.
        return request.user.has_perm("contracts.change_proposal")

    @admin.action(
        description="Withdraw selected pending proposals", permissions=["transition"]
    )
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        self._transition(
            request,
            queryset,
            lambda proposal, actor: withdraw_proposal(
                proposal_id=proposal.id, actor=actor
            ),
            "Withdrew",
        )

    @admin.action(
        description="Force approve selected pending proposals",
        permissions=["transition"],
    )
    def force_approve(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        self._transition(
            request,
            queryset,
            lambda proposal, actor: force_approve_proposal(
                proposal_id=proposal.id, actor_team_id=None, actor=actor
            ),
            "Force-approved",
        )

    def _transition(
        self,
        request: HttpRequest,
        queryset: QuerySet[Proposal],
        transition: Callable[[Proposal, Principal], Proposal],
        verb: str,
    ) -> None:
        """Apply ``transition`` to each proposal; report successes and each failure."""
        actor = admin_actor(request)
        done = 0
        for proposal in queryset.select_related("asset").order_by("proposed_at", "id"):
            try:
                transition(proposal, actor)
            except TesseraError as error:
                # Each service call is its own savepoint: one failure keeps the others.
                self.message_user(
                    request,
                    f"{proposal.asset.fqn} ({proposal.id}): {error.message}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} proposal(s).", messages.SUCCESS)
