"""``manage.py revoke_api_key``: revoke a key by id."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teams import services
from teams.models import ApiKey
from teams.principal import Principal


class Command(BaseCommand):
    help = "Revoke an API key by id. Revoking a revoked key changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key_id", help="The key's id (see GET /api/v1/api-keys)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key_id = uuid.UUID(options["key_id"])
        except ValueError:
            raise CommandError(
                f"{options['key_id']!r} is not a key id (a UUID)"
            ) from None
        key = ApiKey.objects.select_related("team").filter(pk=key_id).first()
        if key is None:
            raise CommandError(f"API key {key_id} not found")
        already_revoked = key.is_revoked
        key = services.revoke_api_key(
            key=key, actor=Principal.system("manage.py revoke_api_key")
        )
        assert key.revoked_at is not None
        state = "was already revoked" if already_revoked else "revoked"
        self.stdout.write(
            f"API key '{key.name}' ({key.id}) of team '{key.team.name}' {state} "
            f"at {key.revoked_at.isoformat()}."
        )
