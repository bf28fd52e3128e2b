"""Admin for teams and API keys.

Every write goes through ``teams.services`` acting as ``admin:<username>``, exactly
like the API, so the admin is audited and keeps the API's rules: deleting a team is a
soft delete, a key is created by ``create_api_key`` (its raw value is shown once, in a
message after saving) and is revoked, never deleted. Key hashes are never displayed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from rest_framework import serializers

from teams import services
from teams.api.serializers import clean_team_name
from teams.models import ApiKey, ApiKeyScope, Team
from tessera.admin import DeletedFilter, admin_actor


def adopt(instance: Model, saved: Model) -> None:
    """Make the admin's unsaved ``instance`` stand for the row a service created.

    The admin goes on to log, message and redirect with ``instance``.
    """
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding = False
    instance._state.db = saved._state.db


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "metadata")

    def clean_name(self) -> str:
        # The API's rules for team names (SCHEMA_DIFF.md 8.3), with its messages.
        try:
            return clean_team_name(self.cleaned_data["name"])
        except serializers.ValidationError as exc:
            detail = exc.detail
            raise forms.ValidationError(
                str(detail[0]) if isinstance(detail, list) else str(detail)
            ) from None

    def clean_metadata(self) -> dict[str, Any]:
        metadata = self.cleaned_data["metadata"]
        if metadata is None:
            return {}
        if not isinstance(metadata, dict):
            raise forms.ValidationError("Metadata must be a JSON object.")
        return metadata


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ("name", "id", "created_at", "deleted_at")
    list_filter = (DeletedFilter,)
    search_fields = ("name",)
    ordering = ("name", "id")
    fields = ("id", "name", "metadata", "created_at", "deleted_at")
    readonly_fields = ("id", "created_at", "deleted_at")
    actions = ("restore_teams",)

    def save_model(
        self, request: HttpRequest, obj: Team, form: Any, change: bool
    ) -> None:
        data = {
            "name": form.cleaned_data["name"],
            "metadata": form.cleaned_data["metadata"],
        }
        if change:
            # The form already changed ``obj``: the service compares with the stored row.
            stored = Team.objects.get(pk=obj.pk)
            services.update_team(team=stored, actor=admin_actor(request), **data)
        else:
            adopt(obj, services.create_team(actor=admin_actor(request), **data))

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        # A soft delete touches the teams alone: their keys, assets and registrations
        # stay, so nothing cascades and no PROTECT relation stands in the way.
        teams = list(objs)
        perms_needed = set() if self.has_delete_permission(request) else {"team"}
        return [str(team) for team in teams], {"teams": len(teams)}, perms_needed, []

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        if not obj.is_deleted:
            services.delete_team(team=obj, actor=admin_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        actor = admin_actor(request)
        for team in queryset.filter(deleted_at__isnull=True):
            services.delete_team(team=team, actor=actor)

    def has_restore_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("teams.change_team")

    @admin.action(description="Restore selected deleted teams", permissions=["restore"])
    def restore_teams(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        actor = admin_actor(request)
        restored = 0
        for team in queryset.filter(deleted_at__isnull=False):
            services.restore_team(team=team, actor=actor)
            restored += 1
        self.message_user(request, f"Restored {restored} team(s).")


class RevokedFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "No"), ("yes", "Yes")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ApiKey]
    ) -> QuerySet[ApiKey]:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class ApiKeyCreationForm(forms.ModelForm):
    """The fields of ``create_api_key``; the key itself is generated by the service."""

    team = forms.ModelChoiceField(queryset=Team.objects.alive().order_by("name", "id"))
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[ApiKeyScope.READ, ApiKeyScope.WRITE],
    )

    class Meta:
        model = ApiKey
        fields = ("team", "name", "scopes", "expires_at")


# What a key's page shows: everything but the hash.
API_KEY_FIELDS = (
    "id",
    "name",
    "team",
    "key_prefix",
    "scopes",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key_prefix",
        "team",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (RevokedFilter,)
    list_select_related = ("team",)
    search_fields = ("name", "key_prefix", "team__name")
    ordering = ("-created_at", "id")
    actions = ("revoke_keys",)

    def get_form(
        self,
        request: HttpRequest,
        obj: Any | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyCreationForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        return ApiKeyCreationForm.Meta.fields if obj is None else API_KEY_FIELDS

    def get_readonly_fields(
        self, request: HttpRequest, obj: ApiKey | None = None
    ) -> Any:
        return () if obj is None else API_KEY_FIELDS

    def has_change_permission(
        self, request: HttpRequest, obj: ApiKey | None = None
    ) -> bool:
        # A key never changes after creation, except by revocation (an action).
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ApiKey | None = None
    ) -> bool:
        # Keys are revoked, not deleted: audit events and last use keep referring to them.
        return False

    def save_model(
        self, request: HttpRequest, obj: ApiKey, form: Any, change: bool
    ) -> None:
        key, raw = services.create_api_key(
            team=form.cleaned_data["team"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
            actor=admin_actor(request),
        )
        adopt(obj, key)
        self.message_user(
            request,
            f"The new API key is {raw} — copy it now: it is not stored and is never "
            "shown again.",
            level=messages.WARNING,
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("teams.change_apikey")

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = admin_actor(request)
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_key(key=key, actor=actor)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} API key(s).")
