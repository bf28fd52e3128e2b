"""Assets, their contracts and consumers, and the proposals that guard breaking changes.

Assets, dependencies, contracts and registrations live in the ``core`` schema;
proposals and acknowledgments in ``workflow`` (settings.DB_SCHEMAS).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from teams.models import Team
from tessera.models import UUIDModel


class AssetQuerySet(models.QuerySet["Asset"]):
    def alive(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=True)


class Asset(UUIDModel):
    """A table, view or model in the warehouse, owned by one producer team."""

    fqn = models.CharField(max_length=1000)
    owner_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="assets"
    )
    environment = models.CharField(max_length=50, default="production")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        db_table = "assets"
        ordering = ["fqn", "id"]
        constraints = [
            # Soft-deleted assets keep their (fqn, environment) pair reserved.
            models.UniqueConstraint(
                fields=["fqn", "environment"], name="asset_unique_fqn_environment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fqn} ({self.environment})"


class DependencyType(models.TextChoices):
    CONSUMES = "consumes"
    REFERENCES = "references"
    TRANSFORMS = "transforms"


class Dependency(UUIDModel):
    """``dependent_asset`` (downstream) reads from ``dependency_asset`` (upstream)."""

    dependent_asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="upstream_dependencies"
    )
    dependency_asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="downstream_dependencies"
    )
    dependency_type = models.CharField(
        max_length=20, choices=DependencyType.choices, default=DependencyType.CONSUMES
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "dependencies"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dependent_asset", "dependency_asset"],
                name="dependency_unique_pair",
            ),
            models.CheckConstraint(
                condition=~Q(dependent_asset=F("dependency_asset")),
                name="dependency_not_self",
            ),
        ]
        verbose_name_plural = "dependencies"

    def __str__(self) -> str:
        return f"{self.dependent_asset_id} {self.dependency_type} {self.dependency_asset_id}"


class CompatibilityMode(models.TextChoices):
    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"
    NONE = "none"


class ContractQuerySet(models.QuerySet["Contract"]):
    def active(self) -> ContractQuerySet:
        return self.filter(status=Contract.Status.ACTIVE)

    def current_for(self, asset_id: object) -> Contract | None:
        """The asset's current contract: its latest-published ``active`` one."""
        return (
            self.filter(asset_id=asset_id, status=Contract.Status.ACTIVE)
            .order_by("-published_at", "-id")
            .first()
        )


class Contract(UUIDModel):
    """One published version of an asset's schema and guarantees."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        DEPRECATED = "deprecated"
        RETIRED = "retired"

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="contracts")
    version = models.CharField(max_length=50)
    schema = models.JSONField()
    compatibility_mode = models.CharField(
        max_length=20,
        choices=CompatibilityMode.choices,
        default=CompatibilityMode.BACKWARD,
    )
    guarantees = models.JSONField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    published_at = models.DateTimeField(default=timezone.now)
    # A team id, not a foreign key: contracts imported from elsewhere may name any team.
    published_by = models.UUIDField()

    objects = ContractQuerySet.as_manager()

    class Meta:
        db_table = "contracts"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "version"], name="contract_unique_version"
            )
        ]
        indexes = [
            models.Index(
                fields=["asset", "status", "-published_at"],
                name="contract_asset_status",
            ),
            models.Index(fields=["-published_at", "-id"], name="contract_published"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.version}"


class Registration(UUIDModel):
    """A consumer team's declaration that it reads one contract (one version row)."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        MIGRATING = "migrating"
        INACTIVE = "inactive"

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="registrations"
    )
    consumer_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="registrations"
    )
    pinned_version = models.CharField(max_length=50, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    registered_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "registrations"
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(
                fields=["contract", "status"], name="registration_contract_status"
            ),
            models.Index(
                fields=["consumer_team", "-registered_at"], name="registration_consumer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_team_id} on {self.contract_id}"


class ChangeType(models.TextChoices):
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"


class Proposal(UUIDModel):
    """A breaking change waiting for its consumers' acknowledgments (WORKFLOWS.md 5)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="proposals")
    proposed_schema = models.JSONField()
    change_type = models.CharField(max_length=10, choices=ChangeType.choices)
    # Full change objects as produced by the differ (type, path, message, values).
    breaking_changes = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    proposed_by = models.UUIDField()
    # The version the producer asked for when the proposal opened (webhook payloads).
    proposed_version = models.CharField(max_length=50, null=True, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Set when the approved proposal is published: it can be published only once.
    published_contract = models.OneToOneField(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_proposal",
    )

    class Meta:
        db_table = "proposals"
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["-proposed_at", "-id"], name="proposal_proposed"),
            models.Index(fields=["asset", "status"], name="proposal_asset_status"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.change_type} ({self.status})"


class Acknowledgment(UUIDModel):
    """A consumer team's answer to a proposal: approved, migrating or blocked."""

    class Response(models.TextChoices):
        APPROVED = "approved"
        BLOCKED = "blocked"
        MIGRATING = "migrating"

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="acknowledgments"
    )
    consumer_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="acknowledgments"
    )
    response = models.CharField(max_length=20, choices=Response.choices)
    migration_deadline = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    responded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "acknowledgments"
        ordering = ["responded_at", "id"]
        constraints = [
            # One answer per team per proposal, enforced by the database under concurrency.
            models.UniqueConstraint(
                fields=["proposal", "consumer_team"], name="acknowledgment_unique_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer_team_id} {self.response} {self.proposal_id}"
