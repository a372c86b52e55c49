"""What the OpenAPI document says beyond what Litestar derives from the handlers.

The API token scheme, the links that lead from one initiative operation to the next (so a client,
or a generated test, can follow create -> read -> change with the ETag as If-Match), and the
answers of the handlers that do not return one JSON type (calendar feeds, the weekly report).
Litestar fills an operation through its `operation_class`; the classes here complete it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

BEARER = "bearer"
COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="An API token from `tracker token create`. Reads work without one "
            "(public initiatives only); every change needs one.",
        )
    }
)
TOKEN_REQUIRED: list[SecurityRequirement] = [{BEARER: []}]
TOKEN_OPTIONAL: list[SecurityRequirement] = [
    {},
    {BEARER: []},
]  # the empty requirement: anonymous reads are allowed

TEXT = Schema(type=OpenAPIType.STRING)
IF_MATCH = r'^[ \t]*"[0-9]{1,18}"[ \t]*$'  # api.deps.ETAG, within what a header can hold


def _header(description: str) -> OpenAPIHeader:
    return OpenAPIHeader(schema=TEXT, description=description)


def _text(*media_types: str) -> dict[str, OpenAPIMediaType]:
    return {media_type: OpenAPIMediaType(schema=TEXT) for media_type in media_types}


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's schema of a msgspec Struct, with `additionalProperties: false` for a Struct
    that forbids unknown fields (every request body here): Litestar leaves that out, so the
    document allowed fields the API refuses. Litestar has no public base for this."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        # A body that needs one of some optional fields (a re-plan: `text` or `latest`).
        needs = getattr(field_definition.type_, "requires_one_of", ())
        if needs:
            schema.any_of = [Schema(required=[name]) for name in needs]
        return schema


# -- links between the initiative operations ---------------------------------------------------
# Operation ids of api/initiatives.py; a link names the operation and where its parameters come
# from in the response it follows.
GET = "getInitiative"
EDIT = "editInitiative"
TRANSITIONS = "getTransitions"
RECORD = "recordEvent"
REPLAN = "replanStage"
HISTORY = "getHistory"

FROM_BODY = {"path.slug": "$response.body#/slug"}
FROM_PATH = {"path.slug": "$request.path.slug"}
AT_VERSION = {"header.If-Match": "$response.header.ETag"}


def _links(slug: Mapping[str, str], stage: Mapping[str, str]) -> dict[str, Link]:
    """Every follow-up of a response that carries the initiative's new ETag."""

    def link(operation_id: str, description: str, *more: Mapping[str, str]) -> Link:
        parameters = {**slug, **{k: v for m in more for k, v in m.items()}}
        return Link(operation_id=operation_id, parameters=parameters, description=description)

    return {
        "GetInitiative": link(GET, "Read the initiative again"),
        "EditInitiative": link(EDIT, "Edit its metadata, at this version", AT_VERSION),
        "GetTransitions": link(TRANSITIONS, "The steps allowed now"),
        "RecordEvent": link(RECORD, "Record the next step, at this version", AT_VERSION),
        "ReplanStage": link(REPLAN, "Re-plan a stage, at this version", AT_VERSION, stage),
        "GetHistory": link(HISTORY, "Its events and plan changes"),
    }


# An initiative names its first stage; a re-plan names the stage it moved.
FIRST_STAGE = {"path.stage": "$response.body#/stages/0/stage"}
SAME_STAGE = {"path.stage": "$request.path.stage"}
LINKS: dict[str, dict[str, Link]] = {
    "createInitiative": _links(FROM_BODY, FIRST_STAGE),
    GET: _links(FROM_BODY, FIRST_STAGE),
    EDIT: _links(FROM_BODY, FIRST_STAGE),
    TRANSITIONS: {
        name: link
        for name, link in _links(FROM_BODY, FIRST_STAGE).items()
        if name in {"GetInitiative", "RecordEvent", "GetHistory"}
    },
    RECORD: {
        name: link for name, link in _links(FROM_PATH, FIRST_STAGE).items() if name != "ReplanStage"
    },
    REPLAN: _links(FROM_PATH, SAME_STAGE),
    "listInitiatives": {
        "GetFirstInitiative": Link(
            operation_id=GET,
            parameters={"path.slug": "$response.body#/items/0/slug"},
            description="The first initiative of the page",
        )
    },
}


@dataclass
class InitiativeOperation(Operation):
    """An initiative operation: its success responses link to the operations that can follow,
    and a change requires If-Match with one strong ETag. The dependency reading If-Match takes
    it as optional so that a missing one is answered 428 rather than Litestar's 400, and
    checks its form itself."""

    def __post_init__(self) -> None:
        links = LINKS.get(self.operation_id or "")
        for status, response in (self.responses or {}).items():
            if links and status.startswith("2") and isinstance(response, OpenAPIResponse):
                response.links = dict(links)
        for parameter in self.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name == "If-Match":
                parameter.required = True
                parameter.schema = Schema(type=OpenAPIType.STRING, pattern=IF_MATCH)


# -- calendar feeds ----------------------------------------------------------------------------
@dataclass
class FeedOperation(Operation):
    """A feed answers conditional requests and fails in plain text, which calendar clients show;
    only an unreadable `lang` is refused by the shared parameter check, as problem+json."""

    def __post_init__(self) -> None:
        responses = self.responses if self.responses is not None else {}
        validators: dict[str, OpenAPIHeader | Reference] = {
            "ETag": _header("Changes whenever the feed's content changes"),
            "Last-Modified": _header("When an event of the feed last changed"),
        }
        ok = responses.get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = _text("text/calendar")
            ok.headers = {**validators, **(ok.headers or {})}
        responses["304"] = OpenAPIResponse(
            description="Unchanged since the If-None-Match or If-Modified-Since sent",
            headers=validators,
        )
        refused = responses.get("400")
        if isinstance(refused, OpenAPIResponse):
            refused.description = "An unknown kind or status (plain text), or lang (problem+json)"
            refused.content = {**_text("text/plain"), **(refused.content or {})}
        responses["404"] = OpenAPIResponse(
            description="No such initiative, entity, stage or feed token",
            content=_text("text/plain"),
        )
        self.responses = responses


# -- the weekly report -------------------------------------------------------------------------
@dataclass
class ReportOperation(Operation):
    """The report as JSON (documented with its schema) or, with `format`, as a text document."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = {**(ok.content or {}), **_text("text/html", "text/markdown", "text/csv")}
