"""Issue #22 point 12: every response in the OpenAPI document has a typed schema (a fuzzer can check what the
server answers), generated from the models of web.api.v2.objects; the docs pages list the same fields."""

from typing import Any

from tests.web.api.conftest import API
from web.api.v2.docs import openapi_document
from web.api.v2.objects import FREE_FORM
from web.api.v2.routing import ENDPOINTS

COMBINATORS = ("$ref", "anyOf", "oneOf", "allOf", "const", "enum")


def untyped(schema: Any, components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """The places under `schema` that say nothing about their value: no type, or an object with neither
    properties nor typed additionalProperties, unless marked free-form on purpose."""
    if not isinstance(schema, dict):
        return [f"{where}: not a schema"]
    if schema.get(FREE_FORM):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        if name not in components:
            return [f"{where}: dangling {schema['$ref']}"]
        return untyped(components[name], components, f"{where}->{name}", seen | {name})
    problems: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, [])):
            problems += untyped(sub, components, f"{where}.{key}[{i}]", seen)
    if not any(k in schema for k in ("type", *COMBINATORS)):
        return [*problems, f"{where}: no type"]
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types:
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if not props and not isinstance(extra, dict):
            problems.append(f"{where}: an object without properties")
        for name, sub in (props or {}).items():
            problems += untyped(sub, components, f"{where}.{name}", seen)
        if isinstance(extra, dict):
            problems += untyped(extra, components, f"{where}[*]", seen)
    if "array" in types:
        if "items" not in schema:
            problems.append(f"{where}: an array without items")
        else:
            problems += untyped(schema["items"], components, f"{where}[]", seen)
    return problems


def test_every_response_of_every_operation_is_typed() -> None:
    doc = openapi_document("http://testserver/api/v2")
    components = doc["components"]["schemas"]
    problems: list[str] = []
    operations = 0
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            operations += 1
            successes = [code for code in op["responses"] if code.startswith("2")]
            if not successes:
                problems.append(f"{method.upper()} {path}: no success response")
            for code, response in op["responses"].items():
                where = f"{method.upper()} {path} {code}"
                if code == "204":
                    if "content" in response:
                        problems.append(f"{where}: a 204 with content")
                    continue
                schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if schema is None:
                    problems.append(f"{where}: no schema")
                    continue
                problems += untyped(schema, components, where, set())
    assert operations == sum(len(d.operations) for d in ENDPOINTS.values())
    assert problems == []


def test_the_untyped_check_catches_what_it_should() -> None:
    components = {"Thing": {"type": "object", "properties": {"a": {}, "b": {"type": "object"}}}}
    assert untyped({"$ref": "#/components/schemas/Thing"}, components, "x", set()) == [
        "x->Thing.a: no type",
        "x->Thing.b: an object without properties",
    ]


def test_reads_answer_a_page_or_one_object_and_writes_their_object() -> None:
    for name, doc in ENDPOINTS.items():
        for op in doc.operations:
            if op.method == "DELETE" or name == "contact_actions":
                assert op.response is None, (name, op.method)
            else:
                assert op.response is not None, (name, op.method)


async def test_docs_pages_list_the_declared_fields(api: API) -> None:
    page = await api.client.get("/api/v2/contacts")
    assert page.status_code == 200
    for field in ("uuid", "urns", "last_seen_on", "blocked"):
        assert f"<code>{field}</code>" in page.text
    assert "deprecated." in page.text
    spec = (await api.client.get("/api/v2/openapi.json")).json()
    contact = spec["components"]["schemas"]["Contact"]
    assert contact["additionalProperties"] is False and "last_seen_on" in contact["required"]
