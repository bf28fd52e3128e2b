"""The SECRET_KEY kept in the database when none is configured (teams/secret.py)."""

from __future__ import annotations

import pytest
from django.apps import apps as global_apps

from teams import secret
from teams.models import InstanceSecret

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    secret._load.cache_clear()
    yield
    secret._load.cache_clear()


def test_migrate_creates_the_key_before_any_request() -> None:
    row = InstanceSecret.objects.get(name=secret.SECRET_KEY_NAME)

    assert len(row.value) >= 50


def test_the_setting_resolves_to_the_stored_key() -> None:
    stored = InstanceSecret.objects.get(name=secret.SECRET_KEY_NAME).value

    assert str(secret.database_secret_key()) == stored


def test_creating_the_key_again_keeps_it() -> None:
    before = InstanceSecret.objects.get(name=secret.SECRET_KEY_NAME).value

    secret.create_secret_key(apps=global_apps, using="default")

    assert InstanceSecret.objects.get(name=secret.SECRET_KEY_NAME).value == before


def test_a_database_without_the_row_gets_one_on_first_use() -> None:
    InstanceSecret.objects.all().delete()

    value = str(secret.database_secret_key())

    assert InstanceSecret.objects.get(name=secret.SECRET_KEY_NAME).value == value
