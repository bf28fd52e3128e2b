"""The OpenAPI document (/openapi.json): complete, warning-free, and true to the code.

The generator runs with ``--validate --fail-on-warn``; every endpoint of API.md 5.0
must be documented with a unique operationId, a tag, a summary, a success schema and
the shared ``Error`` envelope. Then a workflow through the API checks each real
response against the schema the document gives for its operation and status code:
an undocumented status or a body that does not match the schema fails.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from webhooks.models import WebhookDelivery

# API.md 5.0, the endpoint index (path parameters are compared by position).
# /metrics is a plain Prometheus view.
ENDPOINT_INDEX: dict[str, set[str]] = {
    "/api/v1/teams": {"post", "get"},
    "/api/v1/teams/{team_id}": {"get", "patch", "put", "delete"},
    "/api/v1/teams/{team_id}/restore": {"post"},
    "/api/v1/assets": {"post", "get"},
    "/api/v1/assets/search": {"get"},
    "/api/v1/assets/{asset_id}": {"get", "patch", "delete"},
    "/api/v1/assets/{asset_id}/restore": {"post"},
    "/api/v1/assets/{asset_id}/contracts": {"post", "get"},
    "/api/v1/assets/{asset_id}/contracts/history": {"get"},
    "/api/v1/assets/{asset_id}/contracts/diff": {"get"},
    "/api/v1/assets/{asset_id}/impact": {"post"},
    "/api/v1/assets/{asset_id}/dependencies": {"post", "get"},
    "/api/v1/assets/{asset_id}/dependencies/{dependency_id}": {"delete"},
    "/api/v1/assets/{asset_id}/lineage": {"get"},
    "/api/v1/contracts": {"get"},
    "/api/v1/contracts/compare": {"post"},
    "/api/v1/contracts/{contract_id}": {"get"},
    "/api/v1/contracts/{contract_id}/registrations": {"get"},
    "/api/v1/registrations": {"post", "get"},
    "/api/v1/registrations/{registration_id}": {"get", "patch", "delete"},
    "/api/v1/proposals": {"get"},
    "/api/v1/proposals/{proposal_id}": {"get"},
    "/api/v1/proposals/{proposal_id}/status": {"get"},
    "/api/v1/proposals/{proposal_id}/acknowledge": {"post"},
    "/api/v1/proposals/{proposal_id}/withdraw": {"post"},
    "/api/v1/proposals/{proposal_id}/force": {"post"},
    "/api/v1/proposals/{proposal_id}/publish": {"post"},
    "/api/v1/schemas/validate": {"post"},
    "/api/v1/sync/push": {"post"},
    "/api/v1/sync/pull": {"post"},
    "/api/v1/sync/dbt": {"post"},
    "/api/v1/sync/dbt/impact": {"post"},
    "/api/v1/api-keys": {"post", "get"},
    "/api/v1/api-keys/{key_id}": {"get", "delete"},
    "/api/v1/webhooks/deliveries": {"get"},
    "/api/v1/webhooks/deliveries/{delivery_id}": {"get"},
    "/api/v1/audit/events": {"get"},
    "/api/v1/audit/events/{event_id}": {"get"},
    "/api/v1/audit/entities/{entity_type}/{entity_id}/history": {"get"},
    "/health": {"get"},
    "/health/ready": {"get"},
    "/health/live": {"get"},
}
TAGS = {
    "teams",
    "api-keys",
    "assets",
    "contracts",
    "registrations",
    "proposals",
    "schemas",
    "sync",
    "webhooks",
    "audit",
    "health",
}
METHODS = {"get", "put", "post", "patch", "delete"}


def shape(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def generate() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # The JSON renderer resolves lazy strings and tuples: what /openapi.json serves.
    document: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(schema))
    return document


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return generate()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


# --- The generator ----------------------------------------------------------------------


def test_the_generator_validates_the_document_without_any_warning(tmp_path) -> None:
    target = tmp_path / "schema.yaml"

    # --fail-on-warn turns any warning or error into a CommandError.
    call_command("spectacular", "--validate", "--fail-on-warn", file=str(target))

    assert "openapi: 3.0.3" in target.read_text()


@pytest.mark.django_db
def test_the_served_document_is_the_generated_one(api_client, document) -> None:
    served = api_client.get("/openapi.json", HTTP_ACCEPT="application/json").json()

    assert served["paths"].keys() == document["paths"].keys()
    assert served["components"]["schemas"].keys() == (
        document["components"]["schemas"].keys()
    )


# --- Completeness -----------------------------------------------------------------------


def test_every_endpoint_of_the_index_is_documented_with_its_methods(document) -> None:
    documented = {
        shape(path): {method for method in item if method in METHODS}
        for path, item in document["paths"].items()
    }

    for path, methods in ENDPOINT_INDEX.items():
        assert documented.get(shape(path)) == methods, path


def test_the_document_has_no_endpoint_beyond_the_index(document) -> None:
    expected = {shape(path) for path in ENDPOINT_INDEX}

    assert {shape(path) for path in document["paths"]} == expected


def test_operation_ids_are_unique_and_hand_written(document) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]

    assert len(ids) == len(set(ids))
    for operation_id in ids:
        # drf-spectacular's own ids start with the path ("api_v1_...").
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id), operation_id
        assert not operation_id.startswith("api_v1"), operation_id


def test_every_operation_has_one_known_tag_a_summary_and_a_description(
    document,
) -> None:
    for path, method, operation in operations(document):
        assert len(operation["tags"]) == 1, (path, method)
        assert operation["tags"][0] in TAGS, (path, method)
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)
        if path.startswith("/api/v1/"):  # the tag is the area: /api/v1/<area>/...
            area = path.removeprefix("/api/v1/").split("/")[0]
            assert operation["tags"][0] == area, (path, method)


def test_every_operation_documents_a_success_with_its_schema(document) -> None:
    for path, method, operation in operations(document):
        successes = {
            code: response
            for code, response in operation["responses"].items()
            if code.startswith("2")
        }
        assert len(successes) == 1, (path, method)
        ((code, response),) = successes.items()
        if code == "204":
            assert "content" not in response, (path, method)
        else:
            assert response["content"]["application/json"]["schema"], (path, method)


def test_every_error_response_is_the_error_envelope(document) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(document):
        if not path.startswith("/api/v1/"):
            continue
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == error, (path, method, code)
                assert response["description"], (path, method, code)
        # Every API operation validates its path, query or body.
        assert "422" in operation["responses"], (path, method)


def test_the_error_envelope_has_the_fields_of_the_spec(document) -> None:
    schemas = document["components"]["schemas"]
    envelope = schemas["Error"]
    info = schemas["ErrorInfo"]

    assert envelope["required"] == ["error"]
    assert envelope["properties"]["detail"]["items"] == {
        "$ref": "#/components/schemas/ValidationIssue"
    }
    assert set(info["properties"]) == {
        "code",
        "message",
        "request_id",
        "timestamp",
        "details",
    }
    assert set(info["required"]) == {"code", "message", "request_id", "timestamp"}
    assert set(schemas["ValidationIssue"]["required"]) == {
        "type",
        "loc",
        "msg",
        "input",
    }


def test_authenticated_operations_document_the_auth_errors(document) -> None:
    for path, method, operation in operations(document):
        if not path.startswith("/api/v1/") or path == "/api/v1/schemas/validate":
            continue
        assert operation["security"], (path, method)
        assert "401" in operation["responses"], (path, method)
    validate = document["paths"]["/api/v1/schemas/validate"]["post"]
    assert "security" not in validate
    assert "401" not in validate["responses"]


def test_path_ids_are_uuid_strings(document) -> None:
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            assert parameter["required"] is True
            if parameter["name"] == "entity_type":
                assert parameter["schema"] == {"type": "string"}
            else:
                assert parameter["schema"] == {"type": "string", "format": "uuid"}, (
                    path,
                    method,
                    parameter["name"],
                )


# --- Spot checks ------------------------------------------------------------------------


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def request_schema(document: dict[str, Any], operation: dict[str, Any]) -> Any:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return resolve(document, schema)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def test_publish_documents_its_query_parameters_and_four_results(document) -> None:
    publish = document["paths"]["/api/v1/assets/{asset_id}/contracts"]["post"]
    schemas = document["components"]["schemas"]

    assert publish["operationId"] == "assets_publish_contract"
    query = parameters(publish)
    assert query["published_by"]["schema"] == {"type": "string", "format": "uuid"}
    assert query["force"]["schema"]["type"] == "boolean"
    body = request_schema(document, publish)
    assert set(body["required"]) == {"version", "schema"}
    assert body["properties"]["version"]["pattern"].startswith("^\\d+")
    result = publish["responses"]["201"]["content"]["application/json"]["schema"]
    variants = [resolve(document, v) for v in resolve(document, result)["oneOf"]]
    assert len(variants) == 4
    actions = [
        schemas[v["properties"]["action"]["$ref"].split("/")[-1]]["enum"]
        for v in variants
    ]
    assert actions == [
        ["published"],
        ["published"],
        ["force_published"],
        ["proposal_created"],
    ]
    first, published, forced, proposal = variants
    assert "change_type" not in first["properties"]
    assert first["additionalProperties"] is False  # so (a) and (b) exclude each other
    assert "change_type" in published["required"]
    assert {"breaking_changes", "warning"} <= set(forced["required"])
    assert "proposal" in proposal["required"]
    assert "contract" not in proposal["properties"]


def test_team_creation_documents_its_body(document) -> None:
    create = document["paths"]["/api/v1/teams"]["post"]

    body = request_schema(document, create)
    assert body["required"] == ["name"]
    assert body["properties"]["name"]["type"] == "string"
    assert create["requestBody"]["required"] is True
    assert "201" in create["responses"]
    assert "503" not in create["responses"]  # the bootstrap key may create the first


def test_query_parameters_carry_their_types_enums_and_bounds(document) -> None:
    contracts = parameters(document["paths"]["/api/v1/contracts"]["get"])
    proposals = parameters(document["paths"]["/api/v1/proposals"]["get"])
    impact = parameters(document["paths"]["/api/v1/assets/{asset_id}/impact"]["post"])
    search = parameters(document["paths"]["/api/v1/assets/search"]["get"])

    assert contracts["status"]["schema"]["enum"] == ["active", "deprecated", "retired"]
    assert contracts["asset_id"]["schema"]["format"] == "uuid"
    assert contracts["limit"]["schema"]["maximum"] >= 1
    assert proposals["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 50,
    }
    assert impact["depth"]["schema"]["minimum"] == 1
    assert search["q"]["required"] is True


def test_bodies_that_must_be_present_are_required(document) -> None:
    paths = document["paths"]
    for path, method in (
        ("/api/v1/assets/{asset_id}/impact", "post"),
        ("/api/v1/schemas/validate", "post"),
        ("/api/v1/registrations/{registration_id}", "patch"),
    ):
        assert paths[path][method]["requestBody"]["required"] is True, path
    assert (
        "required"
        not in paths["/api/v1/proposals/{proposal_id}/force"]["post"]["requestBody"]
    )
    assert (
        "requestBody" not in paths["/api/v1/proposals/{proposal_id}/withdraw"]["post"]
    )


# --- Real responses match the document ----------------------------------------------------


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a ``null`` alternative."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class DocumentedClient:
    """Sends requests and checks each response against the document.

    The status must be documented for the operation, and a JSON body must match that
    response's schema (every ``$ref`` resolved in the document's components).
    """

    def __init__(self, client: APIClient, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.components = json_schema(document["components"])
        # Literal segments first: "/assets/search" is not "/assets/{asset_id}".
        self.routes = sorted(
            (
                (
                    re.compile(
                        "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p)) + "$"
                    ),
                    p,
                )
                for p in document["paths"]
            ),
            key=lambda route: route[1].count("{"),
        )
        self.seen: set[tuple[str, str, str]] = set()

    def operation(self, method: str, url: str) -> tuple[str, dict[str, Any]]:
        path = url.split("?", 1)[0]
        for pattern, template in self.routes:
            if pattern.match(path):
                return template, self.document["paths"][template][method]
        raise AssertionError(f"{method.upper()} {path} is not documented")

    def request(self, method: str, url: str, data: Any = None, **extra: Any) -> Any:
        send = getattr(self.client, method)
        kwargs: dict[str, Any] = dict(extra)
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        response = send(url, **kwargs)
        template, operation = self.operation(method, url)
        code = str(response.status_code)
        where = f"{method.upper()} {url} -> {code}: {response.content[:300]!r}"
        assert code in operation["responses"], f"undocumented status: {where}"
        documented = operation["responses"][code]
        if code == "204":
            assert not response.content, where
        else:
            schema = documented["content"]["application/json"]["schema"]
            validator = Draft202012Validator(
                {**json_schema(schema), "components": self.components}
            )
            errors = sorted(validator.iter_errors(response.json()), key=str)
            assert not errors, f"{where}\n" + "\n".join(e.message for e in errors[:5])
        self.seen.add((template, method, code))
        return response

    def get(self, url: str, **extra: Any) -> Any:
        return self.request("get", url, **extra)

    def post(self, url: str, data: Any = None, **extra: Any) -> Any:
        return self.request("post", url, data, **extra)

    def patch(self, url: str, data: Any = None, **extra: Any) -> Any:
        return self.request("patch", url, data, **extra)

    def put(self, url: str, data: Any = None, **extra: Any) -> Any:
        return self.request("put", url, data, **extra)

    def delete(self, url: str, **extra: Any) -> Any:
        return self.request("delete", url, **extra)


SCHEMA_V1 = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id"],
}
SCHEMA_V2 = copy.deepcopy(SCHEMA_V1)
SCHEMA_V2["properties"]["name"] = {"type": "string"}  # compatible
SCHEMA_V3 = {"type": "object", "properties": {"id": {"type": "integer"}}}  # breaking


@pytest.mark.django_db
def test_responses_of_a_whole_workflow_match_the_document(
    document, client_for, team, other_team, tmp_path, settings
) -> None:
    api = DocumentedClient(client_for(team, ["read", "write", "admin"]), document)
    consumer = DocumentedClient(client_for(other_team, ["read", "write"]), document)
    anonymous = DocumentedClient(APIClient(), document)
    missing = uuid.uuid4()

    # Health, and the envelope of the auth errors.
    for probe in ("/health", "/health/live", "/health/ready"):
        anonymous.get(probe)
    anonymous.get("/api/v1/teams")  # 401
    consumer.post("/api/v1/teams", {"name": "Nope"})  # 403 Admin scope required

    # Teams.
    made = api.post("/api/v1/teams", {"name": "Analytics", "metadata": {"a": 1}}).json()
    api.post("/api/v1/teams", {"name": "Analytics"})  # 409
    api.post("/api/v1/teams", {"name": "  "})  # 422
    api.get("/api/v1/teams?name=an&limit=10")
    api.get(f"/api/v1/teams/{made['id']}")
    api.get("/api/v1/teams/not-a-uuid")  # 422 uuid_parsing
    api.patch(f"/api/v1/teams/{made['id']}", {"metadata": {"b": 2}})
    api.put(f"/api/v1/teams/{made['id']}", {"name": "Analytics 2"})
    api.delete(f"/api/v1/teams/{made['id']}")
    api.get(f"/api/v1/teams/{made['id']}")  # 404
    api.post(f"/api/v1/teams/{made['id']}/restore")

    # API keys.
    key = api.post("/api/v1/api-keys", {"name": "ci", "team_id": str(team.id)}).json()
    api.post("/api/v1/api-keys", {"name": "ci", "team_id": str(missing)})  # 404
    api.get("/api/v1/api-keys?include_revoked=true")
    api.get(f"/api/v1/api-keys/{key['id']}")
    consumer.get(f"/api/v1/api-keys/{key['id']}")  # 403 FORBIDDEN
    api.delete(f"/api/v1/api-keys/{key['id']}")

    # Assets and dependencies.
    asset = api.post(
        "/api/v1/assets", {"fqn": "warehouse.orders", "owner_team_id": str(team.id)}
    ).json()
    upstream = api.post(
        "/api/v1/assets", {"fqn": "raw.orders", "owner_team_id": str(team.id)}
    ).json()
    api.post(
        "/api/v1/assets", {"fqn": "warehouse.orders", "owner_team_id": str(team.id)}
    )
    consumer.post(
        "/api/v1/assets", {"fqn": "x.y", "owner_team_id": str(team.id)}
    )  # 403 ownership
    asset_url = f"/api/v1/assets/{asset['id']}"
    api.get("/api/v1/assets?fqn=orders")
    api.get("/api/v1/assets/search?q=orders")
    api.get("/api/v1/assets/search")  # 422: q is required
    api.get(asset_url)
    api.patch(asset_url, {"metadata": {"tier": 1}})
    dependency = api.post(
        f"{asset_url}/dependencies", {"depends_on_asset_id": upstream["id"]}
    ).json()
    api.post(f"{asset_url}/dependencies", {"depends_on_asset_id": asset["id"]})  # 400
    api.get(f"{asset_url}/dependencies")
    api.post(f"{asset_url}/impact", SCHEMA_V1)  # no contract yet: the fixed answer
    api.post(f"{asset_url}/impact", {"type": "nonsense"})  # 422 INVALID_SCHEMA

    # Publishing: the four results.
    publish = f"{asset_url}/contracts?published_by={team.id}"
    first = api.post(publish, {"version": "1.0.0", "schema": SCHEMA_V1}).json()
    assert first["action"] == "published"
    assert "change_type" not in first
    second = api.post(publish, {"version": "1.1.0", "schema": SCHEMA_V2}).json()
    assert second["action"] == "published"
    assert "change_type" in second
    api.post(publish, {"version": "1.1.0", "schema": SCHEMA_V2})  # 409
    api.post(f"{asset_url}/contracts", {"version": "1.2.0", "schema": SCHEMA_V2})  # 422
    registration = consumer.post(
        f"/api/v1/registrations?contract_id={second['contract']['id']}",
        {"consumer_team_id": str(other_team.id), "pinned_version": "1.1.0"},
    ).json()
    proposed = api.post(publish, {"version": "2.0.0", "schema": SCHEMA_V3}).json()
    assert proposed["action"] == "proposal_created"
    forced = api.post(
        publish + "&force=true", {"version": "2.0.0", "schema": SCHEMA_V3}
    ).json()
    assert forced["action"] == "force_published"
    api.post(f"/api/v1/assets/{missing}/contracts?published_by={team.id}", first)

    # Contracts, history, diff, impact, lineage.
    api.get(f"{asset_url}/contracts")
    api.get(f"{asset_url}/contracts/history")
    api.get(f"{asset_url}/contracts/diff?from_version=1.0.0&to_version=2.0.0")
    api.get(f"{asset_url}/contracts/diff?from_version=1.0.0&to_version=9.9.9")  # 404
    api.get("/api/v1/contracts?status=deprecated")
    api.get(f"/api/v1/contracts/{first['contract']['id']}")
    api.get(f"/api/v1/contracts/{missing}")  # 404 CONTRACT_NOT_FOUND
    api.get(f"/api/v1/contracts/{second['contract']['id']}/registrations")
    api.post(
        "/api/v1/contracts/compare",
        {
            "contract_id_1": first["contract"]["id"],
            "contract_id_2": forced["contract"]["id"],
        },
    )
    api.post(f"{asset_url}/impact?depth=2", {"proposed_schema": SCHEMA_V1})
    api.get(f"{asset_url}/lineage")
    api.get(f"/api/v1/assets/{missing}/lineage")  # 404

    # Registrations.
    registration_url = f"/api/v1/registrations/{registration['id']}"
    api.get("/api/v1/registrations?status=active")
    api.get(registration_url)
    consumer.patch(registration_url, {"status": "migrating"})
    api.patch(registration_url)  # 422: a body is required
    consumer.post(
        "/api/v1/registrations",
        {"consumer_team_id": str(other_team.id), "asset_id": asset["id"]},
    )
    consumer.post(
        "/api/v1/registrations", {"consumer_team_id": str(team.id)}
    )  # 403 ownership

    # Proposals: status, acknowledge, force, publish, withdraw.
    proposal_url = f"/api/v1/proposals/{proposed['proposal']['id']}"
    api.get("/api/v1/proposals?status=pending")
    api.get(proposal_url)
    api.get(f"{proposal_url}/status")
    consumer.post(
        f"{proposal_url}/acknowledge",
        {"consumer_team_id": str(other_team.id), "response": "approved"},
    )
    consumer.post(
        f"{proposal_url}/acknowledge",
        {"consumer_team_id": str(other_team.id), "response": "approved"},
    )  # 400
    api.get(f"{proposal_url}/status")
    api.post(
        f"{proposal_url}/publish", {"version": "3.0.0", "published_by": str(team.id)}
    )
    api.post(
        f"{proposal_url}/publish", {"version": "3.0.1", "published_by": str(team.id)}
    )  # 400: published once
    pending = api.post(
        publish, {"version": "4.0.0", "schema": {"type": "object"}}
    ).json()
    assert pending["action"] == "proposal_created"
    pending_url = f"/api/v1/proposals/{pending['proposal']['id']}"
    consumer.post(f"{pending_url}/withdraw")  # 403: not the proposer
    api.post(f"{pending_url}/force?actor_id={team.id}")
    api.post(f"{pending_url}/withdraw")  # 400: no longer pending
    api.post(f"/api/v1/proposals/{missing}/force")  # 404

    # Cleanup endpoints, schema validation.
    api.delete(registration_url)
    api.delete(f"{asset_url}/dependencies/{dependency['id']}")
    api.delete(f"{asset_url}/dependencies/{dependency['id']}")  # 404
    api.delete(asset_url)
    api.post(f"{asset_url}/restore")
    anonymous.post("/api/v1/schemas/validate", SCHEMA_V1)
    anonymous.post("/api/v1/schemas/validate", {"type": 12})
    anonymous.post("/api/v1/schemas/validate", [1])  # 422 dict_type

    # Audit and webhooks.
    events = api.get("/api/v1/audit/events?entity_type=contract").json()
    api.get(f"/api/v1/audit/events/{events['results'][0]['id']}")
    api.get(f"/api/v1/audit/events/{missing}")  # 404
    api.get(f"/api/v1/audit/entities/contract/{first['contract']['id']}/history")
    consumer.get("/api/v1/audit/events")  # 403 scope
    delivery = WebhookDelivery.objects.create(
        event_type="proposal.created",
        payload={"event": "proposal.created", "timestamp": "t", "payload": {}},
        url="https://hooks.example.com/t",
    )
    api.get("/api/v1/webhooks/deliveries?status=pending")
    api.get(f"/api/v1/webhooks/deliveries/{delivery.id}")
    api.get(f"/api/v1/webhooks/deliveries/{missing}")  # 404

    # Sync: git files and dbt manifests.
    settings.GIT_SYNC_PATH = str(tmp_path / "repo")
    api.post("/api/v1/sync/pull")  # 404: nothing pushed yet
    api.post("/api/v1/sync/push")
    api.post("/api/v1/sync/pull")
    consumer.post("/api/v1/sync/push")  # 403 scope
    manifest = {
        "nodes": {
            "model.p.orders": {
                "resource_type": "model",
                "database": "wh",
                "schema": "marts",
                "name": "orders",
                "columns": {"id": {"data_type": "int"}},
            }
        }
    }
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    api.post(f"/api/v1/sync/dbt?manifest_path={manifest_path}&owner_team_id={team.id}")
    api.post(f"/api/v1/sync/dbt?manifest_path={tmp_path}&owner_team_id={team.id}")
    api.post(
        "/api/v1/sync/dbt/impact", {"manifest": manifest, "owner_team_id": str(team.id)}
    )
    settings.GIT_SYNC_PATH = None
    api.post("/api/v1/sync/push")  # 400: not configured

    # The workflow reached every operation of the index.
    reached = {(shape(path), method) for path, method, _ in api.seen}
    reached |= {(shape(path), method) for path, method, _ in consumer.seen}
    reached |= {(shape(path), method) for path, method, _ in anonymous.seen}
    expected = {
        (shape(path), method)
        for path, methods in ENDPOINT_INDEX.items()
        for method in methods
    }
    assert expected - reached == set()


@pytest.mark.django_db
def test_the_checker_rejects_a_body_or_a_status_the_document_does_not_describe(
    document, admin_client, team
) -> None:
    # The workflow above proves nothing unless the checker can fail.
    altered = copy.deepcopy(document)
    altered["components"]["schemas"]["Team"]["required"].append("slug")
    del altered["paths"]["/api/v1/teams/{team_id}"]["get"]["responses"]["404"]
    api = DocumentedClient(admin_client, altered)

    with pytest.raises(AssertionError, match="slug"):
        api.get(f"/api/v1/teams/{team.id}")
    with pytest.raises(AssertionError, match="undocumented status"):
        api.get(f"/api/v1/teams/{uuid.uuid4()}")
