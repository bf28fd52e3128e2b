"""``manage.py bootstrap``: the first team and its admin API key, once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from teams import services
from teams.models import ApiKeyScope, Team
from teams.principal import Principal
from tessera.errors import TesseraError


class Command(BaseCommand):
    help = (
        "Create a team and an admin API key when no team exists, and print the key "
        "once. Does nothing when teams exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--team", default="Platform", help="Team name (default: Platform)"
        )
        parser.add_argument(
            "--key-name", default="admin", help="Key name (default: admin)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Principal.system("manage.py bootstrap")
        # Lock-free check: a concurrent run fails on the unique team name instead.
        if Team.objects.alive().exists():
            self.stderr.write(
                "Teams already exist: nothing was created. To issue another key, run\n"
                "  manage.py create_api_key --team <team name or id> --name <key name> "
                "--scopes read write admin"
            )
            return
        try:
            with transaction.atomic():
                team = services.create_team(
                    name=options["team"], metadata={}, actor=actor
                )
                key, raw = services.create_api_key(
                    team=team,
                    name=options["key_name"],
                    scopes=[scope.value for scope in ApiKeyScope],
                    actor=actor,
                )
        except TesseraError as exc:
            raise CommandError(exc.message) from None
        # The key alone goes to stdout, so `KEY=$(manage.py bootstrap)` works.
        self.stderr.write(
            f"Created team '{team.name}' ({team.id}) and admin API key '{key.name}' "
            f"({key.id}). The key is printed once and is not stored: keep it now."
        )
        self.stdout.write(raw)
