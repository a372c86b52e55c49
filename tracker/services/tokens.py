"""API tokens: random, shown once, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from tracker.domain.access import Principal, Role
from tracker.domain.errors import InvalidInput, NotFound
from tracker.domain.slugs import slugify
from tracker.services.entities import registered_entity
from tracker.services.unit_of_work import UnitOfWork

PREFIX = "wgp_"


def hash_token(token: str) -> str:
    # A token carries 256 random bits, so a plain digest is as strong as a slow password hash.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    uow: UnitOfWork, *, name: str, role: Role, entities: list[str], now: datetime
) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("name", "a token needs a name (it is the actor in the event log)")
    if uow.tokens.exists(name):
        raise InvalidInput("name", f"a token named '{name}' exists already")
    if role is Role.EDITOR and not entities:
        raise InvalidInput("entity", "an editor writes for at least one entity")
    # Only the register's entities: a misspelt one would scope the token to nothing.
    slugs = sorted({slugify(registered_entity(e)) for e in entities})
    token = PREFIX + secrets.token_urlsafe(32)
    uow.tokens.add(name=name, role=role, entities=slugs, token_hash=hash_token(token), now=now)
    return token


def revoke_token(uow: UnitOfWork, name: str, *, now: datetime) -> None:
    if not uow.tokens.revoke(name, now=now):
        raise NotFound("token", name)


def authenticate(uow: UnitOfWork, token: str) -> Principal | None:
    return uow.tokens.principal(hash_token(token))
