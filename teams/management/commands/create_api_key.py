"""``manage.py create_api_key``: issue a key for a team and print it once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teams import services
from teams.models import ApiKeyScope, Team
from teams.principal import Principal


def find_team(reference: str) -> Team:
    """The live team whose id or exact name is ``reference``."""
    teams = Team.objects.alive()
    try:
        team = teams.filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        team = None
    team = team or teams.filter(name=reference).first()
    if team is None:
        raise CommandError(f"Team {reference!r} not found (give its id or exact name)")
    return team


def parse_expiry(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise CommandError(f"--expires-at {value!r} is not an ISO 8601 date and time")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    if moment <= timezone.now():
        raise CommandError(f"--expires-at {value!r} is in the past")
    return moment


class Command(BaseCommand):
    help = "Create an API key for a team and print it once (it is not stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team id or exact team name")
        parser.add_argument("--name", required=True, help="Key name, e.g. 'ci'")
        parser.add_argument(
            "--scopes",
            nargs="*",
            choices=ApiKeyScope.values,
            default=[ApiKeyScope.READ.value, ApiKeyScope.WRITE.value],
            help="Scopes (default: read write); give none for a key with no scope",
        )
        parser.add_argument(
            "--expires-at",
            help="Expiry, ISO 8601 (e.g. 2027-01-31T00:00:00Z; UTC when no offset)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if not 1 <= len(name) <= 255:
            raise CommandError("--name must have 1 to 255 characters")
        team = find_team(options["team"])
        key, raw = services.create_api_key(
            team=team,
            name=name,
            scopes=options["scopes"],
            expires_at=parse_expiry(options["expires_at"]),
            actor=Principal.system("manage.py create_api_key"),
        )
        # The key alone goes to stdout, so `KEY=$(manage.py create_api_key ...)` works.
        self.stderr.write(
            f"Created API key '{key.name}' ({key.id}) for team '{team.name}' with scopes "
            f"{key.scopes or 'none'}. The key is printed once and is not stored."
        )
        self.stdout.write(raw)
