"""Teams endpoints (API.md 5.1)."""

from __future__ import annotations

import uuid

import pytest

from audit.models import Event
from conftest import SYSTEM
from teams import services
from teams.models import Team
from tessera.tests.envelope import assert_error, assert_validation_error

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/teams"


def team_url(team_id: object) -> str:
    return f"{TEAMS}/{team_id}"


# --- POST /teams ------------------------------------------------------------------------


def test_creating_a_team_returns_it(admin_client) -> None:
    response = admin_client.post(
        TEAMS, {"name": "Data Eng", "metadata": {"slack": "#de"}}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "metadata", "created_at"}
    assert body["name"] == "Data Eng"
    assert body["metadata"] == {"slack": "#de"}
    assert uuid.UUID(body["id"])
    assert Team.objects.filter(pk=body["id"], name="Data Eng").exists()


def test_metadata_defaults_to_an_empty_object(admin_client) -> None:
    assert admin_client.post(TEAMS, {"name": "Plain"}).json()["metadata"] == {}


def test_the_stored_name_is_trimmed(admin_client) -> None:
    assert (
        admin_client.post(TEAMS, {"name": "  Spaced Out  "}).json()["name"]
        == "Spaced Out"
    )


@pytest.mark.parametrize("name", ["a", "A1", "data_eng-2 team", "9"])
def test_names_of_letters_digits_underscores_hyphens_and_spaces_are_valid(
    admin_client, name
) -> None:
    assert admin_client.post(TEAMS, {"name": name}).status_code == 201


@pytest.mark.parametrize(
    "name", ["-lead", "trail_", "dots.not.allowed", "émoji", "a/b"]
)
def test_a_name_breaking_the_pattern_is_422_value_error(admin_client, name) -> None:
    detail = assert_validation_error(
        admin_client.post(TEAMS, {"name": name}), ("body", "name")
    )

    assert detail[0]["type"] == "value_error"
    assert detail[0]["msg"].startswith("Value error, ")


@pytest.mark.parametrize(
    ("name", "kind"), [("", "string_too_short"), ("   ", "value_error")]
)
def test_an_empty_or_blank_name_is_422(admin_client, name, kind) -> None:
    response = admin_client.post(TEAMS, {"name": name})

    assert assert_validation_error(response, ("body", "name"))[0]["type"] == kind


def test_a_name_longer_than_the_limit_is_422(admin_client, settings) -> None:
    settings.MAX_TEAM_NAME_LENGTH = 10

    response = admin_client.post(TEAMS, {"name": "x" * 11})

    assert_validation_error(response, ("body", "name"))


def test_a_missing_name_is_422_missing(admin_client) -> None:
    detail = assert_validation_error(admin_client.post(TEAMS, {}), ("body", "name"))

    assert detail[0]["type"] == "missing"
    assert detail[0]["msg"] == "Field required"


def test_metadata_must_be_an_object(admin_client) -> None:
    response = admin_client.post(TEAMS, {"name": "Ok", "metadata": [1]})

    assert_validation_error(response, ("body", "metadata"))


def test_malformed_json_is_422_json_invalid_before_authentication(api_client) -> None:
    response = api_client.generic(
        "POST", TEAMS, "{not json", content_type="application/json"
    )

    detail = assert_validation_error(response)
    assert detail[0]["type"] == "json_invalid"


def test_a_body_without_content_type_is_parsed_as_json(admin_client) -> None:
    response = admin_client.generic(
        "POST", TEAMS, '{"name": "Untyped"}', content_type=""
    )

    assert response.status_code == 201, response.content


def test_a_duplicate_name_is_409_duplicate_team(admin_client, team) -> None:
    response = admin_client.post(TEAMS, {"name": team.name})

    assert_error(
        response, 409, "DUPLICATE_TEAM", f"Team with name '{team.name}' already exists"
    )


def test_the_name_of_a_soft_deleted_team_stays_taken(admin_client, make_team) -> None:
    gone = make_team("Gone")
    services.delete_team(team=gone, actor=SYSTEM)

    assert_error(admin_client.post(TEAMS, {"name": "Gone"}), 409, "DUPLICATE_TEAM")


def test_names_are_case_sensitive(admin_client, team) -> None:
    assert admin_client.post(TEAMS, {"name": team.name.upper()}).status_code == 201


def test_creating_a_team_needs_an_admin_scope(client_for, team) -> None:
    response = client_for(team, ["read", "write"]).post(TEAMS, {"name": "New"})

    assert_error(response, 403, "INSUFFICIENT_SCOPE", "Admin scope required")


def test_creating_a_team_without_credentials_says_authorization_is_required(
    api_client,
) -> None:
    response = api_client.post(TEAMS, {"name": "New"})

    assert_error(response, 401, "MISSING_API_KEY", "Authorization required")


def test_creating_a_team_with_a_non_bearer_header_names_the_format(api_client) -> None:
    response = api_client.post(TEAMS, {"name": "New"}, HTTP_AUTHORIZATION="Token abc")

    assert_error(response, 401, "INVALID_AUTH_HEADER", "Use 'Bearer <key>' format")


def test_creating_a_team_is_audited(admin_client) -> None:
    team_id = admin_client.post(TEAMS, {"name": "Audited"}).json()["id"]

    event = Event.objects.get(action="team.created", entity_id=team_id)
    assert event.entity_type == "team"
    assert event.payload == {"name": "Audited"}


# --- GET /teams -------------------------------------------------------------------------


def test_teams_are_listed_by_name_in_a_page(admin_client, make_team) -> None:
    make_team("beta")
    make_team("Alpha")

    body = admin_client.get(TEAMS).json()

    assert set(body) == {"results", "total", "limit", "offset"}
    assert [t["name"] for t in body["results"]] == ["Alpha", "Producers", "beta"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert set(body["results"][0]) == {"id", "name", "metadata", "created_at"}


def test_soft_deleted_teams_are_not_listed(admin_client, make_team) -> None:
    services.delete_team(team=make_team("Gone"), actor=SYSTEM)

    assert [t["name"] for t in admin_client.get(TEAMS).json()["results"]] == [
        "Producers"
    ]


def test_the_name_filter_is_a_case_insensitive_substring(
    admin_client, make_team
) -> None:
    make_team("Data Platform")
    make_team("Analytics")

    body = admin_client.get(TEAMS, {"name": "PLAT"}).json()

    assert [t["name"] for t in body["results"]] == ["Data Platform"]
    assert body["total"] == 1


def test_teams_are_paged_with_limit_and_offset(admin_client, make_team) -> None:
    for name in ("b", "c", "d", "e"):
        make_team(name)

    body = admin_client.get(TEAMS, {"limit": 2, "offset": 1}).json()

    assert [t["name"] for t in body["results"]] == ["b", "c"]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)


def test_an_offset_past_the_end_gives_an_empty_page_with_the_total(
    admin_client,
) -> None:
    body = admin_client.get(TEAMS, {"offset": 10}).json()

    assert (body["results"], body["total"]) == ([], 1)


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"limit": 0}, ("query", "limit"), "greater_than_equal"),
        ({"limit": 101}, ("query", "limit"), "less_than_equal"),
        ({"limit": "x"}, ("query", "limit"), "int_parsing"),
        ({"offset": -1}, ("query", "offset"), "greater_than_equal"),
    ],
)
def test_a_bad_limit_or_offset_is_422(admin_client, params, loc, kind) -> None:
    detail = assert_validation_error(admin_client.get(TEAMS, params), loc)

    assert detail[0]["type"] == kind


def test_the_page_size_follows_the_pagination_settings(
    admin_client, make_team, settings
) -> None:
    settings.PAGINATION_LIMIT_DEFAULT = 2
    settings.PAGINATION_LIMIT_MAX = 3
    for name in ("b", "c", "d"):
        make_team(name)

    assert admin_client.get(TEAMS).json()["limit"] == 2
    assert len(admin_client.get(TEAMS).json()["results"]) == 2
    assert admin_client.get(TEAMS, {"limit": 3}).status_code == 200
    assert_validation_error(admin_client.get(TEAMS, {"limit": 4}), ("query", "limit"))


def test_the_list_takes_a_constant_number_of_queries(
    admin_client, make_team, django_assert_num_queries
) -> None:
    for index in range(10):
        make_team(f"team {index}")

    # Savepoint, key lookup, last_used_at already fresh: count, rows, release.
    admin_client.get(TEAMS)
    with django_assert_num_queries(5):
        admin_client.get(TEAMS)


def test_equal_names_never_happen_but_ids_break_ties(admin_client) -> None:
    # Names are unique, so the id tie-breaker only matters for stability: the order
    # of one query is the order of the next.
    first = admin_client.get(TEAMS).json()["results"]

    assert first == admin_client.get(TEAMS).json()["results"]


# --- GET /teams/{id} --------------------------------------------------------------------


def test_a_team_is_read_by_id(admin_client, team) -> None:
    body = admin_client.get(team_url(team.id)).json()

    assert body == {
        "id": str(team.id),
        "name": "Producers",
        "metadata": {},
        "created_at": body["created_at"],
    }
    assert body["created_at"].endswith("Z")


def test_an_unknown_team_is_404(admin_client) -> None:
    assert_error(
        admin_client.get(team_url(uuid.uuid4())), 404, "NOT_FOUND", "Team not found"
    )


def test_a_soft_deleted_team_is_404(admin_client, make_team) -> None:
    gone = make_team("Gone")
    services.delete_team(team=gone, actor=SYSTEM)

    assert_error(
        admin_client.get(team_url(gone.id)), 404, "NOT_FOUND", "Team not found"
    )


def test_a_malformed_team_id_is_422_uuid_parsing(admin_client) -> None:
    detail = assert_validation_error(
        admin_client.get(team_url("nope")), ("path", "team_id")
    )

    assert detail[0]["type"] == "uuid_parsing"
    assert detail[0]["input"] == "nope"


# --- PATCH and PUT /teams/{id} ----------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_team_is_renamed(admin_client, team, method) -> None:
    response = getattr(admin_client, method)(team_url(team.id), {"name": "Renamed"})

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed"
    team.refresh_from_db()
    assert team.name == "Renamed"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_is_partial(admin_client, make_team, method) -> None:
    team = make_team("Keep", slack="#keep")

    body = getattr(admin_client, method)(
        team_url(team.id), {"metadata": {"a": 1}}
    ).json()

    assert (body["name"], body["metadata"]) == ("Keep", {"a": 1})


def test_null_fields_are_left_unchanged(admin_client, make_team) -> None:
    team = make_team("Keep", slack="#keep")

    body = admin_client.patch(
        team_url(team.id), {"name": None, "metadata": None}
    ).json()

    assert (body["name"], body["metadata"]) == ("Keep", {"slack": "#keep"})


def test_metadata_is_replaced_not_merged(admin_client, make_team) -> None:
    team = make_team("Meta", a=1, b=2)

    body = admin_client.patch(team_url(team.id), {"metadata": {"c": 3}}).json()

    assert body["metadata"] == {"c": 3}


def test_renaming_to_a_taken_name_is_409(admin_client, team, other_team) -> None:
    response = admin_client.patch(team_url(team.id), {"name": other_team.name})

    assert_error(
        response,
        409,
        "DUPLICATE_TEAM",
        f"Team with name '{other_team.name}' already exists",
    )


def test_renaming_applies_the_creation_rules(admin_client, team) -> None:
    assert_validation_error(
        admin_client.patch(team_url(team.id), {"name": "-bad-"}), ("body", "name")
    )
    body = admin_client.patch(team_url(team.id), {"name": " Trimmed "}).json()
    assert body["name"] == "Trimmed"


def test_updating_a_soft_deleted_team_is_404(admin_client, make_team) -> None:
    gone = make_team("Gone")
    services.delete_team(team=gone, actor=SYSTEM)

    assert_error(
        admin_client.patch(team_url(gone.id), {"name": "Back"}), 404, "NOT_FOUND"
    )


def test_updating_needs_the_admin_scope(writer_client, team) -> None:
    assert_error(
        writer_client.patch(team_url(team.id), {"name": "x"}), 403, "INSUFFICIENT_SCOPE"
    )


def test_an_invalid_body_is_422_before_the_404(admin_client) -> None:
    response = admin_client.patch(team_url(uuid.uuid4()), {"metadata": "nope"})

    assert_validation_error(response, ("body", "metadata"))


def test_updating_is_audited(admin_client, team) -> None:
    admin_client.patch(team_url(team.id), {"name": "Audited"})

    event = Event.objects.get(action="team.updated")
    assert event.entity_id == team.id
    assert event.payload == {
        "changes": {"name": {"old": "Producers", "new": "Audited"}}
    }


# --- DELETE /teams/{id} and POST /teams/{id}/restore ------------------------------------


def test_deleting_a_team_is_a_soft_delete(admin_client, make_key, make_team) -> None:
    victim = make_team("Victim")
    make_key(victim)

    response = admin_client.delete(team_url(victim.id))

    assert response.status_code == 204
    assert response.content == b""
    victim.refresh_from_db()
    assert victim.deleted_at is not None
    assert victim.api_keys.count() == 1  # nothing cascades


def test_deleting_twice_is_404(admin_client, make_team) -> None:
    victim = make_team("Victim")
    admin_client.delete(team_url(victim.id))

    assert_error(
        admin_client.delete(team_url(victim.id)), 404, "NOT_FOUND", "Team not found"
    )


def test_deleting_needs_the_admin_scope(writer_client, team) -> None:
    assert_error(writer_client.delete(team_url(team.id)), 403, "INSUFFICIENT_SCOPE")


def test_restoring_brings_a_team_back(admin_client, make_team) -> None:
    victim = make_team("Victim")
    admin_client.delete(team_url(victim.id))

    response = admin_client.post(f"{team_url(victim.id)}/restore")

    assert response.status_code == 200
    assert response.json()["name"] == "Victim"
    assert admin_client.get(team_url(victim.id)).status_code == 200


def test_restoring_a_live_team_is_idempotent(admin_client, team) -> None:
    response = admin_client.post(f"{team_url(team.id)}/restore")

    assert response.status_code == 200
    assert response.json()["id"] == str(team.id)
    assert not Event.objects.filter(action="team.restored").exists()


def test_restoring_an_unknown_team_is_404(admin_client) -> None:
    response = admin_client.post(f"{team_url(uuid.uuid4())}/restore")

    assert_error(response, 404, "NOT_FOUND", "Team not found")


def test_restoring_needs_the_admin_scope(writer_client, team) -> None:
    assert_error(
        writer_client.post(f"{team_url(team.id)}/restore"), 403, "INSUFFICIENT_SCOPE"
    )


def test_delete_and_restore_are_audited(admin_client, make_team, team) -> None:
    victim = make_team("Victim")
    admin_client.delete(team_url(victim.id))
    admin_client.post(f"{team_url(victim.id)}/restore")

    events = Event.objects.filter(entity_id=victim.id).order_by("occurred_at", "id")
    assert [e.action for e in events] == [
        "team.created",
        "team.deleted",
        "team.restored",
    ]
    assert events[1].actor_id == team.id  # the caller's team
