"""Sync endpoints (API.md 5.7): git push/pull and dbt manifests. All need ``admin``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.api.serializers.sync import (
    DbtImpactSerializer,
    DbtImpactShape,
    DbtSyncShape,
    SyncDbtQuerySerializer,
    SyncPullShape,
    SyncPushShape,
)
from contracts.services import dbt, sync
from teams.principal import caller
from tessera.api import BodyFirstMixin, request_body, validate, validate_query
from tessera.openapi import error_responses

NOT_CONFIGURED = f"`BAD_REQUEST`: {sync.NOT_CONFIGURED}"


class _SyncView(BodyFirstMixin, APIView):
    required_scopes = {"post": "admin"}
    rate_category = "admin"


class SyncPushView(_SyncView):
    """``POST /sync/push`` (5.7.1): write every team and asset to GIT_SYNC_PATH."""

    @extend_schema(
        operation_id="sync_push",
        tags=["sync"],
        summary="Export teams and assets to the sync directory",
        description="Writes `teams/<name>.yaml` and `assets/<escaped fqn>.yaml` for "
        "every team and asset, soft-deleted ones included, under the server's "
        "`GIT_SYNC_PATH` (WORKFLOWS 10). Files are block-style YAML. No body.",
        request=None,
        responses={
            200: SyncPushShape,
            **error_responses(
                "admin",
                {
                    400: [
                        NOT_CONFIGURED,
                        "`BAD_REQUEST`: a team name is not a valid file name, or "
                        "the directory cannot be written.",
                    ]
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        root, counts = sync.push(actor=caller(request))
        return Response(
            {"status": "success", "path": str(root), "exported": counts.to_dict()}
        )


class SyncPullView(_SyncView):
    """``POST /sync/pull`` (5.7.2): upsert the files of GIT_SYNC_PATH, in one transaction."""

    @extend_schema(
        operation_id="sync_pull",
        tags=["sync"],
        summary="Import teams and assets from the sync directory",
        description="Upserts by id the teams, then the assets with their contracts "
        "and registrations, read from the server's `GIT_SYNC_PATH`. Nothing is "
        "deleted. All or nothing: any malformed file or conflict is a `400` naming "
        "the file. Files are YAML. No body.",
        request=None,
        responses={
            200: SyncPullShape,
            **error_responses(
                "admin",
                {
                    400: [
                        NOT_CONFIGURED,
                        "`BAD_REQUEST`: Invalid sync file <file>: <problem> "
                        "(malformed file, taken name/FQN/version, unknown team).",
                    ],
                    404: "`NOT_FOUND`: Sync path not found: <path>.",
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        root, counts = sync.pull(actor=caller(request))
        return Response(
            {"status": "success", "path": str(root), "imported": counts.to_dict()}
        )


class SyncDbtView(_SyncView):
    """``POST /sync/dbt`` (5.7.3): create or update assets from a manifest on the server."""

    @extend_schema(
        operation_id="sync_dbt",
        tags=["sync"],
        summary="Sync assets from a dbt manifest on the server",
        description="Reads `manifest_path` from the **server's filesystem** (admin "
        "only) and creates or updates one asset per dbt model, seed, snapshot and "
        "source (WORKFLOWS 9.1). Assets only: no contracts. Entries without a "
        "database or schema are skipped. No body.",
        parameters=[SyncDbtQuerySerializer],
        request=None,
        responses={
            200: DbtSyncShape,
            **error_responses(
                "admin",
                {
                    400: "`BAD_REQUEST`: Invalid manifest <path>: <problem>.",
                    404: [
                        "`NOT_FOUND`: Manifest not found: <path> (absent, not a "
                        "regular file, or unreadable).",
                        "`NOT_FOUND`: Owner team not found (only when an asset "
                        "must be created).",
                    ],
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        params = validate_query(SyncDbtQuerySerializer, request)
        manifest = dbt.load_manifest(params["manifest_path"])
        result = dbt.sync_dbt_manifest(
            manifest=manifest,
            owner_team_id=params["owner_team_id"],
            actor=caller(request),
        )
        return Response(
            {
                "status": "success",
                "manifest": params["manifest_path"],
                "assets": {"created": result.created, "updated": result.updated},
            }
        )


class SyncDbtImpactView(_SyncView):
    """``POST /sync/dbt/impact`` (5.7.4): would each model break its current contract?"""

    @extend_schema(
        operation_id="sync_dbt_impact",
        tags=["sync"],
        summary="Check a dbt manifest against the current contracts",
        description="For each model, seed, snapshot and source (WORKFLOWS 9.2), "
        "diffs the latest active contract of its asset against a schema derived from "
        "the documented columns. Writes nothing.",
        request=DbtImpactSerializer,
        responses={200: DbtImpactShape, **error_responses("admin")},
    )
    def post(self, request: Request) -> Response:
        data = validate(DbtImpactSerializer, request_body(request))
        results = dbt.manifest_impact(data["manifest"])
        unsafe = sum(1 for result in results if not result.safe_to_publish)
        return Response(
            {
                "status": "breaking_changes_detected" if unsafe else "success",
                "total_models": len(results),
                "models_with_contracts": sum(1 for r in results if r.has_contract),
                "breaking_changes_count": unsafe,
                "results": [result.to_dict() for result in results],
            }
        )


urlpatterns = [
    path("sync/push", SyncPushView.as_view(), name="sync-push"),
    path("sync/pull", SyncPullView.as_view(), name="sync-pull"),
    path("sync/dbt", SyncDbtView.as_view(), name="sync-dbt"),
    path("sync/dbt/impact", SyncDbtImpactView.as_view(), name="sync-dbt-impact"),
]
