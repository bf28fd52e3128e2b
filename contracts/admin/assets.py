"""Admin for assets and dependencies.

Both pages are read-only: writes go through the services (ownership rules, audit
events). The one write offered is restoring soft-deleted assets, through
``restore_asset`` acting as ``admin:<username>``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from contracts.models import Asset, Dependency
from contracts.services.assets import restore_asset
from teams.principal import Principal


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "No"), ("yes", "Yes")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Asset]
    ) -> QuerySet[Asset]:
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("fqn", "environment", "owner_team", "created_at", "deleted_at")
    list_filter = (DeletedFilter, "environment")
    list_select_related = ("owner_team",)
    search_fields = ("fqn",)
    ordering = ("fqn", "id")
    actions = ("restore_assets",)

    def has_restore_permission(self, request: HttpRequest) -> bool:
        # The model's change permission, although the change form itself is read-only.
        return request.user.has_perm("contracts.change_asset")

    @admin.action(
        description="Restore selected deleted assets", permissions=["restore"]
    )
    def restore_assets(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        actor = Principal.system(f"admin:{request.user.get_username()}")
        restored = 0
        for asset in queryset.filter(deleted_at__isnull=False):
            restore_asset(asset=asset, actor=actor)
            restored += 1
        self.message_user(request, f"Restored {restored} asset(s).")


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    list_display = (
        "dependent_asset",
        "dependency_type",
        "dependency_asset",
        "created_at",
    )
    list_filter = ("dependency_type",)
    list_select_related = ("dependent_asset", "dependency_asset")
    search_fields = ("dependent_asset__fqn", "dependency_asset__fqn")
    ordering = ("created_at", "id")
