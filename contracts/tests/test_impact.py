"""Impact analysis (API.md 5.2.12, WORKFLOWS.md 7.3): the endpoint and the graph walk.

The suite runs on SQLite and on PostgreSQL, so the recursive CTE is exercised on both.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contracts.models import Asset, Contract, Dependency, Registration
from contracts.services.impact import trace_downstream
from contracts.tests.factories import (
    DEFAULT_SCHEMA,
    make_asset,
    make_contract,
    make_dependency,
    make_registration,
)

pytestmark = pytest.mark.django_db

# DEFAULT_SCHEMA without the optional "email" property: breaking under backward.
WITHOUT_EMAIL = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "required": ["id"],
}


def impact_url(asset_id: Any, **query: Any) -> str:
    suffix = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/api/v1/assets/{asset_id}/impact" + (f"?{suffix}" if suffix else "")


def assets_of(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(row["asset_id"], row["depth"]) for row in body["impacted_assets"]]


def consumers_of(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(row["team_id"], row["depth"]) for row in body["impacted_consumers"]]


class Clock:
    """Hands out strictly increasing timestamps, so storage order is deterministic."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> Any:
        self.now += timedelta(seconds=1)
        return self.now


def register(contract: Contract, team: Any, at: Any, **fields: Any) -> Registration:
    registration = make_registration(contract, team, **fields)
    Registration.objects.filter(pk=registration.pk).update(registered_at=at)
    return registration


# --- Responses without traversal, validation and errors ----------------------------------------


def test_an_asset_without_an_active_contract_gets_the_fixed_safe_answer(
    writer_client, team, other_team
):
    asset = make_asset(team)
    make_contract(asset, status="deprecated")
    make_dependency(make_asset(other_team), asset)

    response = writer_client.post(impact_url(asset.id), WITHOUT_EMAIL)

    assert response.status_code == 200
    assert response.json() == {
        "change_type": "minor",
        "breaking_changes": [],
        "impacted_consumers": [],
        "impacted_assets": [],
        "safe_to_publish": True,
        "asset_id": str(asset.id),
        "is_breaking": False,
    }


def test_a_breaking_change_is_reported_with_full_change_objects(
    writer_client, team, other_team
):
    asset = make_asset(team)
    contract = make_contract(asset)
    make_registration(contract, other_team, pinned_version="1.0.0")

    response = writer_client.post(impact_url(asset.id), WITHOUT_EMAIL)

    assert response.status_code == 200
    body = response.json()
    assert body["change_type"] == "major"
    assert body["breaking_changes"] == [
        {
            "type": "property_removed",
            "path": "properties.email",
            "message": "Property 'email' was removed",
            "old_value": {"type": "string"},
            "new_value": None,
            "change_type": "property_removed",
        }
    ]
    assert body["safe_to_publish"] is False
    assert body["is_breaking"] is True
    assert body["asset_id"] == str(asset.id)
    assert body["traversal_depth"] == 5
    assert body["impacted_consumers"] == [
        {
            "team_id": str(other_team.id),
            "team_name": "Consumers",
            "status": "active",
            "pinned_version": "1.0.0",
            "depth": 1,
        }
    ]
    assert body["impacted_assets"] == []


def test_a_compatible_change_is_safe_but_still_traversed(
    writer_client, team, other_team
):
    asset = make_asset(team)
    make_contract(asset)
    reader = make_asset(other_team, "mart.reader")
    make_dependency(reader, asset, "transforms")
    added = {
        **DEFAULT_SCHEMA,
        "properties": {**DEFAULT_SCHEMA["properties"], "n": {"type": "number"}},
    }

    body = writer_client.post(impact_url(asset.id), added).json()

    assert (body["change_type"], body["breaking_changes"]) == ("minor", [])
    assert (body["safe_to_publish"], body["is_breaking"]) == (True, False)
    assert body["impacted_assets"] == [
        {
            "asset_id": str(reader.id),
            "fqn": "mart.reader",
            "dependency_type": "transforms",
            "depth": 1,
        }
    ]


def test_the_current_contracts_compatibility_mode_decides_what_breaks(
    writer_client, team
):
    asset = make_asset(team)
    make_contract(asset, compatibility_mode="none")

    body = writer_client.post(impact_url(asset.id), WITHOUT_EMAIL).json()

    assert (body["change_type"], body["breaking_changes"], body["safe_to_publish"]) == (
        "major",
        [],
        True,
    )


def test_the_diff_is_against_the_latest_active_contract(writer_client, team):
    asset = make_asset(team)
    clock = Clock()
    make_contract(asset, "1.0.0", schema=WITHOUT_EMAIL, published_at=clock())
    make_contract(asset, "2.0.0", published_at=clock())
    make_contract(
        asset,
        "3.0.0",
        schema={"type": "object"},
        status="deprecated",
        published_at=clock(),
    )

    body = writer_client.post(impact_url(asset.id), DEFAULT_SCHEMA).json()

    assert (body["change_type"], body["safe_to_publish"]) == ("patch", True)


def test_the_sdk_wrapped_body_is_unwrapped(writer_client, team):
    asset = make_asset(team)
    make_contract(asset)

    body = writer_client.post(
        impact_url(asset.id), {"proposed_schema": DEFAULT_SCHEMA}
    ).json()

    assert (body["change_type"], body["breaking_changes"], body["is_breaking"]) == (
        "patch",
        [],
        False,
    )


def test_a_body_with_schema_keywords_is_not_unwrapped(writer_client, team):
    asset = make_asset(team)
    make_contract(asset)

    body = writer_client.post(
        impact_url(asset.id), {"type": "object", "proposed_schema": DEFAULT_SCHEMA}
    ).json()

    assert body["is_breaking"] is True
    assert {change["path"] for change in body["breaking_changes"]} >= {"properties.id"}


def test_an_invalid_schema_is_422_with_its_errors_even_for_an_absent_asset(
    writer_client,
):
    response = writer_client.post(impact_url(uuid.uuid4()), {"type": "nope"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_SCHEMA"
    assert error["message"] == "Invalid JSON Schema"
    assert error["details"]["errors"]
    assert all(isinstance(message, str) for message in error["details"]["errors"])


def test_an_absent_asset_is_404(writer_client):
    response = writer_client.post(impact_url(uuid.uuid4()), DEFAULT_SCHEMA)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert response.json()["error"]["message"] == "Asset not found"


def test_a_soft_deleted_asset_is_analysed(writer_client, team, other_team):
    asset = make_asset(team, deleted_at=timezone.now())
    make_registration(make_contract(asset), other_team)

    body = writer_client.post(impact_url(asset.id), DEFAULT_SCHEMA).json()

    assert consumers_of(body) == [(str(other_team.id), 1)]


def test_a_missing_body_is_422(writer_client, team):
    response = writer_client.post(impact_url(make_asset(team).id))

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def test_an_empty_object_is_a_schema_not_a_missing_body(writer_client, team):
    asset = make_asset(team)
    make_contract(asset)

    response = writer_client.post(impact_url(asset.id), {})

    assert response.status_code == 200
    assert response.json()["is_breaking"] is True


@pytest.mark.parametrize("body", [[1, 2], "schema", 3])
def test_a_body_that_is_not_an_object_is_422(writer_client, team, body):
    response = writer_client.post(impact_url(make_asset(team).id), body)

    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["type"], item["loc"]) == ("dict_type", ["body"])


def test_malformed_json_is_422_before_authentication(api_client):
    response = api_client.post(
        impact_url(uuid.uuid4()), "{", content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("depth", "kind"),
    [(0, "greater_than_equal"), (11, "less_than_equal"), ("x", "int_parsing")],
)
def test_a_depth_outside_the_bounds_is_422(writer_client, team, depth, kind):
    response = writer_client.post(
        impact_url(make_asset(team).id, depth=depth), DEFAULT_SCHEMA
    )

    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["type"], item["loc"]) == (kind, ["query", "depth"])


def test_depth_bounds_and_default_are_read_from_settings_at_call_time(
    writer_client, team, settings
):
    settings.IMPACT_DEPTH_MAX = 3
    settings.IMPACT_DEPTH_DEFAULT = 2
    asset = make_asset(team)
    make_contract(asset)

    too_deep = writer_client.post(impact_url(asset.id, depth=4), DEFAULT_SCHEMA)
    default = writer_client.post(impact_url(asset.id), DEFAULT_SCHEMA)

    assert too_deep.status_code == 422
    assert default.json()["traversal_depth"] == 2


def test_impact_needs_only_the_read_scope(client_for, team):
    asset = make_asset(team)
    make_contract(asset)

    reader = client_for(team, ["read"]).post(impact_url(asset.id), DEFAULT_SCHEMA)
    writer = client_for(team, ["write"]).post(impact_url(asset.id), DEFAULT_SCHEMA)

    assert reader.status_code == 200
    assert writer.status_code == 403
    assert writer.json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    assert (
        writer.json()["error"]["message"] == "This operation requires the 'read' scope"
    )


# --- Traversal ------------------------------------------------------------------------------


@pytest.fixture
def graph(team, make_team):  # type: ignore[no-untyped-def]
    """A five-level graph with two cycles, a diamond and consumers at every level.

    R <- A, R <- B (depth 1); A <- D, B <- D (depth 2, reached twice); D <- E (3);
    E <- F (4); E -> R and E -> A close cycles. Teams: t1 on R (and again on D),
    t_a on A, t_e on E, t_f on F.
    """
    clock = Clock()
    teams = {name: make_team(name) for name in ("t1", "t_a", "t_e", "t_f", "t_old")}
    nodes = {name: make_asset(team, f"g.{name.lower()}") for name in "RABDEF"}
    for dependent, upstream in ["AR", "BR", "DA", "DB", "ED", "FE", "RE", "AE"]:
        make_dependency(nodes[dependent], nodes[upstream], created_at=clock())
    contracts = {
        name: make_contract(node, published_at=clock()) for name, node in nodes.items()
    }
    register(contracts["R"], teams["t1"], clock())
    register(contracts["R"], teams["t_old"], clock(), status="inactive")
    old_r = make_contract(
        nodes["R"], "0.9.0", status="deprecated", published_at=clock()
    )
    register(old_r, teams["t_old"], clock())
    register(contracts["A"], teams["t_a"], clock())
    register(contracts["D"], teams["t1"], clock())
    register(contracts["E"], teams["t_e"], clock())
    register(contracts["F"], teams["t_f"], clock())
    return {"nodes": nodes, "teams": teams}


def ids(graph: dict[str, Any], spec: str) -> list[tuple[str, int]]:
    """``"A1 B1 D2"`` -> ``[(id of A, 1), ...]`` (assets or teams, by key)."""
    result = []
    for item in spec.split():
        name, depth = item[:-1], int(item[-1])
        row = graph["nodes"].get(name) or graph["teams"][name]
        result.append((str(row.id), depth))
    return result


def test_the_walk_reports_every_level_once_and_ends_on_cycles(writer_client, graph):
    body = writer_client.post(impact_url(graph["nodes"]["R"].id), DEFAULT_SCHEMA).json()

    assert body["traversal_depth"] == 5
    # R is reached again through E but never reported; D is reported once.
    assert assets_of(body) == ids(graph, "A1 B1 D2 E3 F4")
    # t1 is R's consumer (depth 1) and D's (depth 3): first occurrence wins.
    assert consumers_of(body) == ids(graph, "t11 t_a2 t_e4 t_f5")
    assert {row["fqn"] for row in body["impacted_assets"]} == {
        "g.a",
        "g.b",
        "g.d",
        "g.e",
        "g.f",
    }
    assert {row["dependency_type"] for row in body["impacted_assets"]} == {"consumes"}


@pytest.mark.parametrize(
    ("depth", "assets", "consumers"),
    [
        (1, "A1 B1", "t11"),
        (2, "A1 B1 D2", "t11 t_a2"),
        (3, "A1 B1 D2 E3", "t11 t_a2"),
        (4, "A1 B1 D2 E3 F4", "t11 t_a2 t_e4"),
        (10, "A1 B1 D2 E3 F4", "t11 t_a2 t_e4 t_f5"),
    ],
)
def test_the_depth_limits_assets_and_their_consumers(
    writer_client, graph, depth, assets, consumers
):
    body = writer_client.post(
        impact_url(graph["nodes"]["R"].id, depth=depth), DEFAULT_SCHEMA
    ).json()

    assert body["traversal_depth"] == depth
    assert assets_of(body) == ids(graph, assets)
    assert consumers_of(body) == ids(graph, consumers)


def test_an_asset_is_reported_at_its_shallowest_depth_with_that_edges_type(
    writer_client, team
):
    clock = Clock()
    root, middle, leaf = make_asset(team), make_asset(team), make_asset(team)
    make_contract(root)
    make_dependency(middle, root, created_at=clock())
    make_dependency(leaf, middle, "consumes", created_at=clock())
    make_dependency(leaf, root, "references", created_at=clock())

    body = writer_client.post(impact_url(root.id), DEFAULT_SCHEMA).json()

    assert body["impacted_assets"][1] == {
        "asset_id": str(leaf.id),
        "fqn": leaf.fqn,
        "dependency_type": "references",
        "depth": 1,
    }
    assert assets_of(body) == [(str(middle.id), 1), (str(leaf.id), 1)]


def test_assets_at_one_depth_follow_the_creation_order_of_their_dependency(
    writer_client, team
):
    clock = Clock()
    root = make_asset(team, "z.root")
    make_contract(root)
    names = ["c.third", "a.first", "b.second"]
    late = {name: make_asset(team, name) for name in names}
    for name in names:
        make_dependency(late[name], root, created_at=clock())

    body = writer_client.post(impact_url(root.id), DEFAULT_SCHEMA).json()

    assert [row["fqn"] for row in body["impacted_assets"]] == names


def test_only_active_registrations_on_the_latest_active_contract_count(
    writer_client, team, make_team
):
    clock = Clock()
    root, reader = make_asset(team), make_asset(team)
    make_contract(root)
    make_dependency(reader, root)
    older = make_contract(reader, "1.0.0", published_at=clock())
    latest = make_contract(reader, "2.0.0", published_at=clock())
    on_older, inactive, migrating, wanted = (make_team() for _ in range(4))
    register(older, on_older, clock())
    register(latest, inactive, clock(), status="inactive")
    register(latest, migrating, clock(), status="migrating")
    register(latest, wanted, clock(), pinned_version="2.0.0")

    body = writer_client.post(impact_url(root.id), DEFAULT_SCHEMA).json()

    assert body["impacted_consumers"] == [
        {
            "team_id": str(wanted.id),
            "team_name": wanted.name,
            "status": "active",
            "pinned_version": "2.0.0",
            "depth": 2,
        }
    ]


def test_soft_deleted_downstream_assets_are_traversed(writer_client, team, other_team):
    root = make_asset(team)
    make_contract(root)
    gone = make_asset(team, deleted_at=timezone.now())
    beyond = make_asset(team)
    make_dependency(gone, root)
    make_dependency(beyond, gone)
    make_registration(make_contract(gone), other_team)

    body = writer_client.post(impact_url(root.id), DEFAULT_SCHEMA).json()

    assert assets_of(body) == [(str(gone.id), 1), (str(beyond.id), 2)]
    assert consumers_of(body) == [(str(other_team.id), 2)]


def test_the_root_is_never_an_impacted_asset(writer_client, team):
    root, other = make_asset(team), make_asset(team)
    make_contract(root)
    make_dependency(other, root)
    make_dependency(root, other)

    body = writer_client.post(impact_url(root.id, depth=10), DEFAULT_SCHEMA).json()

    assert assets_of(body) == [(str(other.id), 1)]


def build_chain_graph(team: Any, make_team: Any, width: int, levels: int) -> Asset:
    """A layered graph: each asset reads from two assets of the level above."""
    root = make_asset(team)
    make_contract(root)
    above = [root]
    for _ in range(levels):
        level = [make_asset(team) for _ in range(width)]
        for index, asset in enumerate(level):
            make_dependency(asset, above[index % len(above)])
            if len(above) > 1:
                make_dependency(asset, above[(index + 1) % len(above)])
            make_registration(make_contract(asset), make_team())
        above = level
    return root


@pytest.mark.parametrize(("width", "levels"), [(1, 1), (6, 4)])
def test_impact_runs_a_constant_number_of_queries(
    writer_client, team, make_team, width, levels, django_assert_num_queries
):
    root = build_chain_graph(team, make_team, width, levels)
    writer_client.get("/api/v1/teams")  # records the key's first use

    # savepoint, key, asset exists, current contract, walk, registrations, release
    with django_assert_num_queries(7):
        body = writer_client.post(impact_url(root.id), DEFAULT_SCHEMA).json()

    assert len(body["impacted_assets"]) == width * levels


# --- The walk against a plain breadth-first reference, on random graphs -----------------------


def reference_walk(
    root: uuid.UUID,
    depth: int,
    edges: list[Dependency],
    registrations: dict[uuid.UUID, list[Registration]],
) -> tuple[list[tuple[uuid.UUID, int]], list[tuple[uuid.UUID, int]]]:
    """Shortest depths by BFS, then the ordering documented on ``trace_downstream``."""
    children: dict[uuid.UUID, list[Dependency]] = {}
    for edge in edges:
        children.setdefault(edge.dependency_asset_id, []).append(edge)
    distance = {root: 0}
    queue = deque([root])
    while queue:
        current = queue.popleft()
        if distance[current] == depth:
            continue
        for edge in children.get(current, []):
            if edge.dependent_asset_id not in distance:
                distance[edge.dependent_asset_id] = distance[current] + 1
                queue.append(edge.dependent_asset_id)

    def first_edge(asset_id: uuid.UUID) -> tuple[Any, str]:
        incoming = [
            edge
            for edge in edges
            if edge.dependent_asset_id == asset_id
            and distance.get(edge.dependency_asset_id) == distance[asset_id] - 1
        ]
        return min((edge.created_at, str(edge.id)) for edge in incoming)

    reached = sorted(
        (asset_id for asset_id in distance if asset_id != root),
        key=lambda asset_id: (distance[asset_id], first_edge(asset_id)),
    )
    position = {root: -1, **{asset_id: index for index, asset_id in enumerate(reached)}}
    consumers: dict[uuid.UUID, int] = {}
    for asset_id in sorted(
        (asset_id for asset_id in distance if distance[asset_id] < depth),
        key=lambda asset_id: (distance[asset_id], position[asset_id]),
    ):
        for registration in registrations.get(asset_id, []):
            consumers.setdefault(registration.consumer_team_id, distance[asset_id] + 1)
    return [(asset_id, distance[asset_id]) for asset_id in reached], list(
        consumers.items()
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_cte_walk_matches_a_breadth_first_reference(team, make_team, seed):
    rng = random.Random(seed)
    clock = Clock()
    assets = [make_asset(team) for _ in range(30)]
    teams = [make_team() for _ in range(8)]
    pairs = {(rng.randrange(30), rng.randrange(30)) for _ in range(70)}
    edges = [
        make_dependency(assets[a], assets[b], created_at=clock())
        for a, b in sorted(pairs)
        if a != b
    ]
    registrations: dict[uuid.UUID, list[Registration]] = {}
    for asset in assets:
        if rng.random() < 0.7:
            contract = make_contract(asset, published_at=clock())
            for consumer in rng.sample(teams, rng.randrange(3)):
                registrations.setdefault(asset.id, []).append(
                    register(contract, consumer, clock())
                )

    for depth in (1, 2, 3, 10):
        consumers, impacted = trace_downstream(assets[0].id, depth=depth)
        expected_assets, expected_consumers = reference_walk(
            assets[0].id, depth, edges, registrations
        )

        assert [(row.asset_id, row.depth) for row in impacted] == expected_assets
        assert [(row.team_id, row.depth) for row in consumers] == expected_consumers
