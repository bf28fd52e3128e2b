"""Teams, the API keys that authenticate them, and the instance-wide secret."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tessera.models import UUIDModel


class TeamQuerySet(models.QuerySet["Team"]):
    def alive(self) -> TeamQuerySet:
        return self.filter(deleted_at__isnull=True)

    def first_team(self) -> Team | None:
        """The oldest non-deleted team: who the bootstrap key and AUTH_DISABLED act as."""
        return self.alive().order_by("created_at", "id").first()


class Team(UUIDModel):
    """A group of people that owns assets (producer) and registers on contracts (consumer)."""

    # Unique across soft-deleted teams too: a deleted team's name stays reserved.
    name = models.CharField(max_length=255, unique=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        db_table = "teams"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ApiKeyScope(models.TextChoices):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> ApiKeyQuerySet:
        """Keys that may authenticate: not revoked, not expired, team not deleted."""
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            team__deleted_at__isnull=True,
        )


class ApiKey(UUIDModel):
    """A team's credential. Only a digest of the secret is stored, never the key itself."""

    # SHA-256 hex digest of the key; or an argon2id PHC string for keys imported from
    # the reference implementation.
    key_hash = models.CharField(max_length=255, unique=True)
    key_prefix = models.CharField(max_length=20, db_index=True)
    name = models.CharField(max_length=255)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="api_keys")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        db_table = "api_keys"
        ordering = ["-created_at", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class InstanceSecret(models.Model):
    """A secret generated once per installation and shared by every replica."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "instance_secrets"

    def __str__(self) -> str:
        return self.name
