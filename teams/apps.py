from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Teams and API keys"

    def ready(self) -> None:
        from teams.secret import create_secret_key

        post_migrate.connect(create_secret_key, sender=self)
