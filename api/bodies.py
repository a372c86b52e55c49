"""What the API checks before it decodes a JSON body: who asks, and how deeply the body nests.

Litestar decodes a handler's `data` before the handler (and its dependencies) run. A body of
2 KB that nests a thousand levels deep made the decoder recurse until Python gave up (500,
with a traceback in the log), also for a caller without a token. The controller's
`before_request` hook runs before that decoding: it refuses a change without a token (401,
from the header alone: the token itself is looked up in the transaction that decides the
change), then reads the body (at most `request_max_body_size`, else 413) and refuses one that
nests deeper than `MAX_DEPTH` (400) by counting brackets, without building anything.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException

from api.deps import bearer_token
from api.options import answer_options
from tracker.domain.errors import NotFound, Unauthenticated
from tracker.domain.model import Stage

# The deepest body the API takes is an initiative: {plan: {stage: {text}}} and
# {legal_deadlines: [{date}]}, 3 levels. 32 leaves room for any future field and is far below
# where a decoder's recursion matters.
MAX_DEPTH = 32
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STAGES = frozenset(stage.value for stage in Stage)


def too_deep(body: bytes) -> bool:
    """Whether the JSON text nests deeper than MAX_DEPTH."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:  # the usual body: nothing to walk
        return False
    return nesting(body) > MAX_DEPTH


def nesting(body: bytes) -> int:
    """How deeply the JSON text nests its arrays and objects (brackets in strings ignored)."""
    brackets = _STRING.sub(b"", body).translate(None, delete=_NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


async def guard_body(request: Request[Any, Any, Any]) -> None:
    """For a change: 401 without a token, 404 for a stage no workflow has (before If-Match is
    looked at), then 413 for a body over the limit and 400 for one that nests too deeply."""
    if request.method not in WRITES:
        return
    if bearer_token(request) is None:
        raise Unauthenticated("writing needs an API token")
    stage = request.path_params.get("stage")
    if isinstance(stage, str) and stage not in _STAGES:
        raise NotFound("stage", stage)
    body = await request.body()
    if too_deep(body):
        reason = f"nests deeper than {MAX_DEPTH} levels"
        raise ValidationException(
            f"body: {reason}", extra=[{"key": "body", "source": "body", "message": reason}]
        )


async def before_initiative_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """The initiatives controller's hook: OPTIONS (api.options), then guard_body."""
    answered = await answer_options(request)
    if answered is not None:
        return answered
    await guard_body(request)
    return None
