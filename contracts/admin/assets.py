"""Admin for assets and dependencies.

Both pages are read-only: writes go through the services (ownership rules, audit
events). The one write offered is restoring soft-deleted assets, through
``restore_asset`` acting as ``admin:<username>``.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from contracts.admin.workflow import ContractInline
from contracts.models import Asset, Dependency
from contracts.services.assets import restore_asset
from tessera.admin import DeletedFilter, ReadOnlyAdminMixin, admin_actor


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    inlines = (ContractInline,)  # every version of the asset, newest first
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
        actor = admin_actor(request)
        restored = 0
        for asset in queryset.filter(deleted_at__isnull=False):
            restore_asset(asset=asset, actor=actor)
            restored += 1
        self.message_user(request, f"Restored {restored} asset(s).")


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
