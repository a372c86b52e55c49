"""`python -m bench`: measure every operation for each size on SQLite (and PostgreSQL when
TRACKER_BENCH_POSTGRES_URL or TRACKER_TEST_POSTGRES_URL is set), then write the results and the
plot."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import load, measure
from bench.databases import loaded_postgres, loaded_sqlite, postgres_schema, sqlite_url
from bench.generate import Programme, programme
from bench.machine import machine
from bench.plot import write_plot
from bench.report import machine_speed, write_report
from tracker.domain.access import Role
from tracker.domain.clock import utc_now
from tracker.domain.model import Stage
from tracker.services.tokens import create_token
from tracker.store.db import make_engine
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database

HERE = Path(__file__).resolve().parent
CLIENTS = 16  # concurrent writers, as the target says
OWNED = 8  # initiatives each writer advances in turn


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="programme sizes to load")
    parser.add_argument(
        "--parse-sizes", default=None,
        help="sizes for annex parsing alone (default: the sizes and 100000)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each load test")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000; 2 s load tests")
    parser.add_argument("--no-http", action="store_true", help="skip the load tests")
    parser.add_argument("--no-cache", action="store_true", help="always load afresh")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TRACKER_BENCH_POSTGRES_URL")
        or os.environ.get("TRACKER_TEST_POSTGRES_URL"),
    )
    parser.add_argument(
        "--postgres-services-up-to", type=int, default=1000,
        help="load PostgreSQL through the services up to this size, copy larger ones",
    )  # fmt: skip
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE",
        help="environment for the tracker server, e.g. to switch off rate limits",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, default=HERE)
    parser.add_argument(
        "--report-only", action="store_true",
        help="write results.md and the plot again from the results.json of the last run",
    )  # fmt: skip
    return parser


def _sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the in-process client logs each GET
    if args.quick:
        args.sizes, args.seconds = "100,1000", 2.0
    sizes = _sizes(args.sizes)
    args.output.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        _write(json.loads((args.output / "results.json").read_text()), args.output)
        return 0
    parse_sizes = _sizes(args.parse_sizes) if args.parse_sizes else sorted({*sizes, 100_000})
    server_env = dict(item.split("=", 1) for item in args.server_env)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine(args.postgres_url),
        "settings": {
            "sizes": sizes,
            "seed": args.seed,
            "seconds": args.seconds,
            "workers": args.workers,
            "clients": CLIENTS,
            "started": utc_now().isoformat(timespec="seconds"),
        },
        "parse": [],
        "runs": [],
        "previous_run": _previous_run(args.output / "results.json"),
    }
    for size in parse_sizes:
        figures = measure.annex_parsing(programme(size, args.seed))
        results["parse"].append({"size": size, **figures})
        _say(f"annex parsing, {size}: {figures['parse_per_s']:.0f} initiatives/s")
    backends = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(folder)
        for size in sizes:
            prog = programme(size, args.seed)
            source, loaded, cached = loaded_sqlite(prog, work, cache=not args.no_cache)
            _say(f"sqlite, {size}: loaded ({'cached' if cached else 'generated'})")
            for backend in backends:
                run: dict[str, Any] = {"backend": backend, "size": size}
                if backend == "sqlite":
                    run["load"] = {**_load_figures(loaded), "cached": cached}
                    run.update(_measure(sqlite_url(source), prog, args, work, server_env))
                else:
                    # The SQLite run wrote to its copy: PostgreSQL gets the programme as loaded.
                    pristine, _, _ = loaded_sqlite(prog, work, cache=not args.no_cache)
                    with postgres_schema(args.postgres_url) as url:
                        services = size <= args.postgres_services_up_to
                        pg_loaded, seconds = loaded_postgres(
                            url, prog, pristine, through_services=services
                        )
                        run["load"] = (
                            {**_load_figures(pg_loaded), "cached": False}
                            if pg_loaded
                            else {"copied_s": seconds}
                        )
                        run.update(_measure(url, prog, args, work, server_env))
                results["runs"].append(run)
                _save(results, args.output)
    results["settings"]["total_s"] = time.perf_counter() - started
    _save(results, args.output)
    _write(results, args.output)
    return 0


def _previous_run(path: Path) -> dict[str, Any] | None:
    """The machine speed of the run whose results this one replaces, read before they are."""
    try:
        return machine_speed(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError):
        return None


def _write(results: dict[str, Any], folder: Path) -> None:
    before = folder / "before.json"
    previous = json.loads(before.read_text()) if before.exists() else None
    write_report(results, previous, folder / "results.md")
    write_plot(results, folder / "cost.svg")
    _say(f"wrote {folder / 'results.md'} and {folder / 'cost.svg'}")


def _load_figures(loaded: Any) -> dict[str, Any]:
    return {
        "initiatives": loaded.initiatives,
        "events": loaded.events,
        "replans": loaded.replans,
        "refused": loaded.refused,
        "import_s": loaded.import_seconds,
        "history_s": loaded.history_seconds,
    }


def _measure(
    url: str, prog: Programme, args: argparse.Namespace, work: Path, server_env: dict[str, str]
) -> dict[str, Any]:
    label = f"{make_engine(url).dialect.name}, {prog.size}"
    database = Database(make_engine(url))
    figures: dict[str, Any] = {}
    try:
        now = utc_now()
        figures.update(measure.forecast_refresh(database, now))
        _say(f"{label}: refresh {figures['refresh_first_s']:.2f} s")
        figures.update(measure.weekly(database, now))
        _say(f"{label}: report json {figures['report_json_s']:.2f} s")
        figures.update(measure.programme_feed(database, now))
        _say(f"{label}: feed {figures['feed_s']:.2f} s, floor {figures['feed_floor_s']:.2f} s")
        figures.update(measure.reads(database))
        if not args.no_http:
            figures["http"] = _http(database, url, args, work, server_env, label)
        figures.update(measure.transition_profile(database))
    finally:
        database.dispose()
    return {"figures": figures}


def _http(
    database: Database,
    url: str,
    args: argparse.Namespace,
    work: Path,
    server_env: dict[str, str],
    label: str,
) -> dict[str, Any]:
    with database.uow() as uow:
        token = create_token(uow, name=f"bench {time.time_ns()}", role=Role.ADMIN, entities=[],
                             now=utc_now())  # fmt: skip
        uow.commit()
    with database.uow() as uow:
        open_states = [s.value for s in Stage]
        everything = uow.initiatives.all(InitiativeFilter())
        public = [i.slug for i in everything if i.is_public]
        writable = {i.slug: i.version for i in everything if i.state in open_states}
    seconds = args.seconds
    result: dict[str, Any] = {}
    with (
        load.floor_server(args.workers, work / "floor.log") as floor,
        load.tracker_server(url, args.workers, work / "server.log", server_env) as base,
    ):
        load.memos_made(work / "server.log", args.workers)
        result["floor_1k"] = load.wrk(floor, ["/json/1024"], seconds=seconds).as_dict()
        list_path = "/api/initiatives?limit=50"
        _, _, body = load.fetch(base + list_path)
        result["list_bytes"] = len(body)
        result["list"] = load.wrk(base, [list_path], seconds=seconds).as_dict()
        result["floor_list"] = load.wrk(floor, [f"/json/{len(body)}"], seconds=seconds).as_dict()
        details = [f"/api/initiatives/{slug}" for slug in public[:: max(1, len(public) // 50)]]
        result["detail_bytes"] = len(load.fetch(base + details[0])[2])
        result["detail"] = load.wrk(base, details, seconds=seconds).as_dict()
        feed = "/calendars/programme.ics"
        _, headers, body = load.fetch(base + feed)
        etag = {k.lower(): v for k, v in headers.items()}["etag"]
        result["feed_bytes"] = len(body)
        result["feed"] = load.wrk(
            base, [feed], seconds=seconds, connections=4, limit=max(20, 2_000_000 // len(body))
        ).as_dict()
        # Each worker builds the feed once and keeps it: fresh connections (the kernel hashes
        # each to a worker) reach them all, so that the polls below measure the steady state.
        for _ in range(4 * args.workers):
            load.fetch(base + feed, {"If-None-Match": etag, "Connection": "close"})
        result["feed_304"] = load.wrk(
            base, [feed], seconds=seconds, headers={"If-None-Match": etag}, expected=304
        ).as_dict()
        for fmt, path in (("json", "/api/reports/weekly"), ("html", "/reports/weekly")):
            result[f"report_{fmt}_served"] = load.served_report(base, path)
        owned = load.share(sorted(writable), writable, CLIENTS, OWNED, args.seed)
        slugs = [o.slug for mine in owned for o in mine]
        before = _event_counts(database, slugs)
        posts = load.transition_posts(base, token, owned, seconds=seconds)
        result["post"] = posts.result().as_dict()
        after = _event_counts(database, slugs)
        acknowledged = {o.slug: o.acknowledged for mine in owned for o in mine}
        result["post_check"] = {
            "acknowledged": sum(acknowledged.values()),
            "logged": sum(after[s] - before[s] for s in slugs),
            "mismatched_initiatives": sum(
                1 for s in slugs if after[s] - before[s] != acknowledged[s]
            ),
            "statuses": {str(k): v for k, v in sorted(posts.statuses.items())},
        }
        result["floor_1k_after"] = load.wrk(floor, ["/json/1024"], seconds=seconds).as_dict()
    _say(
        f"{label}: floor {result['floor_1k']['rps']:.0f}/s, list {result['list']['rps']:.0f}/s, "
        f"detail {result['detail']['rps']:.0f}/s, feed {result['feed']['rps']:.1f}/s, "
        f"304 {result['feed_304']['rps']:.0f}/s, post {result['post']['rps']:.0f}/s "
        f"(p99 {result['post']['p99_ms']:.0f} ms), check {result['post_check']}, served report "
        f"JSON/HTML worst {result['report_json_served']['worst_s']:.2f}/"
        f"{result['report_html_served']['worst_s']:.2f} s"
    )
    return result


def _event_counts(database: Database, slugs: list[str]) -> dict[str, int]:
    with database.uow() as uow:
        return {slug: len(uow.initiatives.events(slug)) for slug in slugs}


def _save(results: dict[str, Any], folder: Path) -> None:
    (folder / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
