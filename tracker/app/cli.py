"""The `tracker` command: read annexes, migrate and seed the database, serve the API."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import msgspec
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain.access import Principal, Role
from tracker.domain.bounds import checked
from tracker.domain.clock import brussels_day, today, utc_now
from tracker.domain.errors import TrackerError
from tracker.domain.weeks import end_of, moment_parameter, week_parameter
from tracker.outputs.i18n import LANGUAGES
from tracker.outputs.ical import base_url
from tracker.outputs.messages import finding_message
from tracker.outputs.read_models import annex_view
from tracker.outputs.render import FORMATS, render_parts
from tracker.readers.annex import AnnexError, read_annex
from tracker.services.entities import merge_entity
from tracker.services.feeds import create_feed_token, revoke_feed_token
from tracker.services.forecasts import refresh_all
from tracker.services.importing import seed
from tracker.services.tokens import create_token, revoke_token
from tracker.services.weekly_report import weekly_report
from tracker.store import backup as backups
from tracker.store import migrate
from tracker.store.backup import BackupError
from tracker.store.db import PROJECT_ROOT, database_url, make_engine
from tracker.store.uow import Database

DEFAULT_SEED_DIR = PROJECT_ROOT / "seed"
SYSTEM = Principal("tracker", Role.ADMIN)  # the command line reads everything


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit."""


def _day(text: str) -> date:
    """A day given on the command line, within the range the tracker accepts."""
    try:
        return checked(date.fromisoformat(text))
    except ValueError as exc:  # OutOfBounds too
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    annex = commands.add_parser("annex", help="read policy-note annexes")
    annex_commands = annex.add_subparsers(dest="annex_command", required=True, metavar="ACTION")
    parse = annex_commands.add_parser("parse", help="print the initiatives an annex plans")
    parse.add_argument("file", type=Path)
    parse.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    parse.add_argument("--lang", choices=LANGUAGES, default="nl")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate the database to the latest schema")
    db_commands.add_parser("current", help="print the schema revision of the database")

    seed = commands.add_parser("seed", help="import every annex in the seed folder (idempotent)")
    seed.add_argument("--dir", type=Path, default=DEFAULT_SEED_DIR)
    seed.add_argument("--actor", default=None, help="name recorded in the event log")

    token = commands.add_parser("token", help="API tokens (shown once, stored hashed)")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="who acts with it (the event log's actor)")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--entity",
        action="append",
        default=[],
        help="entity of the register (workflows/entities.toml): name, alias or slug; repeatable",
    )
    revoke = token_commands.add_parser("revoke", help="revoke a token by its name")
    revoke.add_argument("name")
    token_commands.add_parser("list", help="list the tokens (never the secrets)")

    entity = commands.add_parser("entity", help="entities (organisations)")
    entity_commands = entity.add_subparsers(dest="entity_command", required=True, metavar="ACTION")
    merge = entity_commands.add_parser(
        "merge", help="move every initiative and token of an entity to another, then remove it"
    )
    merge.add_argument("source", metavar="SOURCE", help="the stored entity to merge (name or slug)")
    merge.add_argument("target", metavar="TARGET", help="an entity of the register")
    merge.add_argument("--actor", default=None, help="name recorded in the event log")

    feed_token = commands.add_parser("feed-token", help="secret calendar feed addresses")
    feed_commands = feed_token.add_subparsers(dest="feed_command", required=True, metavar="ACTION")
    feed_create = feed_commands.add_parser(
        "create", help="a subscriber's secret feed address, shown once"
    )
    feed_create.add_argument("--name", required=True, help="the subscriber")
    feed_create.add_argument(
        "--entity", action="append", default=[], required=True,
        help="entity whose non-public initiatives the feed shows; repeatable",
    )  # fmt: skip
    feed_revoke = feed_commands.add_parser("revoke", help="revoke a feed token by its name")
    feed_revoke.add_argument("name")

    forecast = commands.add_parser("forecast", help="forecasts")
    forecast_commands = forecast.add_subparsers(
        dest="forecast_command", required=True, metavar="ACTION"
    )
    refresh = forecast_commands.add_parser(
        "refresh", help="recompute every forecast as of today (daily; idempotent)"
    )
    refresh.add_argument("--today", type=_day, default=None, help=argparse.SUPPRESS)

    report = commands.add_parser("report", help="reports")
    report_commands = report.add_subparsers(dest="report_command", required=True, metavar="NAME")
    weekly = report_commands.add_parser("weekly", help="the weekly slippage report")
    weekly.add_argument("--week", default=None, help="ISO week, e.g. 2026-W48 (default: this week)")
    weekly.add_argument("--format", choices=FORMATS, default="html")
    weekly.add_argument("--as-of", default=None, help="a day (its end) or an ISO date-time")
    weekly.add_argument("--entity", default=None, help="only this entity's initiatives (slug)")
    weekly.add_argument("--lang", choices=LANGUAGES, default="nl")
    weekly.add_argument("--output", type=Path, default=None, help="write to a file, not stdout")

    backup = commands.add_parser(
        "backup", help="copy the SQLite database to a new file, also while the server runs"
    )
    backup.add_argument("path", type=Path, help="the backup file to create")
    restore = commands.add_parser(
        "restore", help="replace the SQLite database by a backup (stop the server first)"
    )
    restore.add_argument("path", type=Path, help="a file made by 'tracker backup'")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=os.environ.get("TRACKER_HOST", "127.0.0.1"))
    # A string default goes through `type` too, so a bad TRACKER_PORT is refused like --port.
    serve.add_argument(
        "--port", type=_whole(0, 65535), default=os.environ.get("TRACKER_PORT", "8000")
    )
    serve.add_argument(
        "--workers", type=_whole(1, 64), default=1,
        help="worker processes (default: 1)",
    )  # fmt: skip
    return parser


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not between {low} and {high}")
        return number

    return parse


def _annex_parse(args: argparse.Namespace) -> None:
    annex = read_annex(args.file)
    if args.json:
        sys.stdout.write(
            msgspec.json.format(msgspec.json.encode(annex_view(annex, args.lang))).decode()
        )
        sys.stdout.write("\n")
        return
    for draft in annex.drafts:
        initiative = draft.initiative
        print(f"{initiative.slug} ({initiative.kind.value}, line {draft.line})")
        for sl in draft.stage_lines:
            window = (
                f"{sl.window.earliest or '…'} – {sl.window.latest}" if sl.window.parsed else "?"
            )
            print(f"  {sl.stage.value:<18} {sl.when:<55} {window}")
        for finding in initiative.findings:
            print(f"  ! {finding.severity.value}: {finding_message(finding, args.lang)}")


def _database() -> Database:
    return Database(make_engine(database_url()))


def _require_schema(db: Database) -> None:
    if migrate.current_revision(db.engine) != migrate.head_revision():
        raise CommandError("the database schema is not up to date: run 'tracker db upgrade' first")


def _seed(args: argparse.Namespace) -> None:
    if not args.dir.is_dir():
        raise CommandError(f"{args.dir}: no such folder")
    db = _database()
    _require_schema(db)
    actor = args.actor or f"tracker seed ({getpass.getuser()})"
    with db.uow() as uow:
        reports = seed(uow, args.dir, actor=actor, now=utc_now())
        uow.commit()
    for report in reports:
        print(
            f"{report.source}: {len(report.created)} created, {len(report.unchanged)} unchanged"
            + (
                f", {len(report.differing)} differ from the stored baseline (kept)"
                if report.differing
                else ""
            )
        )
        for slug in report.differing:
            print(
                f"  {slug}: annex planning differs from the stored baseline; re-plan to change it"
            )


def _token(args: argparse.Namespace) -> None:
    db = _database()
    _require_schema(db)
    with db.uow() as uow:
        if args.token_command == "create":
            secret = create_token(
                uow, name=args.name, role=Role(args.role), entities=args.entity, now=utc_now()
            )
            uow.commit()
            print(secret)
            print(
                f"token '{args.name}' ({args.role}) created; it is shown only now", file=sys.stderr
            )
        elif args.token_command == "revoke":
            revoke_token(uow, args.name, now=utc_now())
            uow.commit()
            print(f"token '{args.name}' revoked")
        else:
            for info in uow.tokens.all():
                state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
                entities = ", ".join(info.entities) or "-"
                print(f"{info.name}\t{info.role}\t{entities}\t{state}")


def _entity(args: argparse.Namespace) -> None:
    db = _database()
    _require_schema(db)
    actor = args.actor or f"tracker entity merge ({getpass.getuser()})"
    with db.uow() as uow:
        merged = merge_entity(uow, args.source, args.target, actor=actor, now=utc_now())
        uow.commit()
    print(
        f"'{merged.source}' samengevoegd met '{merged.target}': "
        f"{len(merged.initiatives)} initiatieven, {len(merged.tokens)} tokens"
    )
    for slug in merged.initiatives:
        print(f"  {slug}")
    for name in merged.tokens:
        print(f"  token '{name}'")


def _feed_token(args: argparse.Namespace) -> None:
    db = _database()
    _require_schema(db)
    with db.uow() as uow:
        if args.feed_command == "create":
            token = create_feed_token(uow, name=args.name, entities=args.entity, now=utc_now())
            uow.commit()
            print(f"{base_url()}/calendars/private/{token}/programme.ics")
            print(
                f"feed token '{args.name}' created; its address is shown only now", file=sys.stderr
            )
        else:
            revoke_feed_token(uow, args.name, now=utc_now())
            uow.commit()
            print(f"feed token '{args.name}' revoked")


def _forecast(args: argparse.Namespace) -> None:
    db = _database()
    _require_schema(db)
    now = utc_now() if args.today is None else end_of(args.today)
    day = brussels_day(now)
    with db.uow() as uow:
        result = refresh_all(uow, now)
        uow.commit()
    print(
        f"{result.initiatives} initiatives, forecasts moved for {len(result.moved)} (as of {day})"
    )
    for slug in result.moved:
        print(f"  {slug}")


def _report(args: argparse.Namespace) -> None:
    week = week_parameter(args.week or None, today())
    requested = moment_parameter(args.as_of or None)
    db = _database()
    _require_schema(db)
    with db.uow() as uow:
        report = weekly_report(
            uow,
            week,
            principal=SYSTEM,
            now=utc_now(),
            requested=requested,
            entity=args.entity,
            lang=args.lang,
        )
    parts = render_parts(report, args.format)
    if args.output:
        try:
            with args.output.open("wb") as file:
                file.writelines(parts)
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"{args.output}: {args.format} report of {week}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.writelines(parts)
        sys.stdout.buffer.flush()


def _backup(args: argparse.Namespace) -> None:
    database = backups.sqlite_file(database_url(), "backup")
    copied = backups.backup(database, args.path)
    print(
        f"{copied.path}: backup of {database} (schema {copied.revision}, "
        f"{copied.initiatives} initiatives, {copied.events} events)"
    )


def _restore(args: argparse.Namespace) -> None:
    database = backups.sqlite_file(database_url(), "restore")
    restored = backups.restore(args.path, database)
    kept = database.with_name(database.name + backups.KEPT_SUFFIX)
    print(
        f"{database}: restored from {args.path} (schema {restored.revision}, "
        f"{restored.initiatives} initiatives, {restored.events} events)"
        + (f"; the previous database is kept as {kept}" if kept.exists() else "")
    )
    if restored.revision != migrate.head_revision():
        print("run 'tracker db upgrade' before serving: the backup has an older schema")


def _serve(args: argparse.Namespace) -> None:
    from tracker.app.server import ServeError, ServerSettings, serve

    # Workers over an older schema would answer every request with a 500.
    db = _database()
    try:
        _require_schema(db)
    finally:
        db.dispose()
    print(
        f"Wetgevingsplanner on http://{args.host}:{args.port}/ "
        f"(API: http://{args.host}:{args.port}/api/initiatives, docs: /schema)"
    )
    try:
        serve(ServerSettings("api.app:create_app", args.host, args.port, args.workers))
    except ServeError as exc:
        raise CommandError(str(exc)) from None


def run(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "annex":
        _annex_parse(args)
    elif args.command == "db":
        db = _database()
        if args.db_command == "upgrade":
            migrate.upgrade(db.engine)
            print(f"database at revision {migrate.current_revision(db.engine)}")
        else:
            print(migrate.current_revision(db.engine) or "empty database (no schema)")
    elif args.command == "seed":
        _seed(args)
    elif args.command == "entity":
        _entity(args)
    elif args.command == "feed-token":
        _feed_token(args)
    elif args.command == "forecast":
        _forecast(args)
    elif args.command == "report":
        _report(args)
    elif args.command == "token":
        _token(args)
    elif args.command == "backup":
        _backup(args)
    elif args.command == "restore":
        _restore(args)
    elif args.command == "serve":
        _serve(args)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        run(argv)
    except (AnnexError, BackupError, CommandError, TrackerError) as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"tracker: database error: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
