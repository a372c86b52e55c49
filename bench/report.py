"""bench/results.md: the figures of one run, how each was measured, and the targets."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from tracker.services.background import Background
from tracker.services.feed_catch_up import STORED_TOGETHER

Run = dict[str, Any]

# (key in a run's figures, label): what grows with N, in seconds.
COSTS = (
    ("refresh_first_s", "forecast refresh (first, forecasts move)"),
    ("refresh_again_s", "forecast refresh (again, nothing moves)"),
    ("report_json_s", "weekly report JSON (a server's first, no memo)"),
    ("report_html_s", "weekly report HTML (a server's first, no memo)"),
    ("report_json_next_day_s", "weekly report JSON (first of a day, memo of the day before)"),
    ("report_html_next_day_s", "weekly report HTML (first of a day, memo of the day before)"),
    ("report_json_kept_s", "weekly report JSON (memo of earlier reports)"),
    ("report_html_kept_s", "weekly report HTML (memo of earlier reports)"),
    ("feed_s", "programme feed build"),
    ("feed_floor_s", "programme feed floor (string formatting)"),
    ("feed_get_s", "programme feed GET (in process)"),
    ("feed_304_s", "programme feed GET answered 304 (in process)"),
    ("feed_304_asgi_s", "programme feed poll answered 304, the app alone (ASGI)"),
    ("list_cpu_s", "list of 50 computed afresh (CPU)"),
    ("detail_cpu_s", "detail computed afresh (CPU)"),
    ("step_cpu_s", "transition step and commit (CPU, in process)"),
    ("events_catch_up_cpu_s", "calendar events of a stepped initiative, caught up (CPU)"),
)
ENDPOINTS = (
    ("floor_1k", "floor: fixed 1 KB JSON"),
    ("list", "initiative list (50 rows)"),
    ("floor_list", "floor: fixed JSON of the list's size"),
    ("detail", "initiative detail"),
    ("feed", "programme feed (200)"),
    ("feed_304", "programme feed poll (304)"),
    ("post", "transition POST (hold/resume)"),
)


def _runs(results: dict[str, Any], backend: str) -> list[Run]:
    return sorted(
        (r for r in results["runs"] if r["backend"] == backend), key=lambda r: int(r["size"])
    )


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 0.1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def _n(size: int) -> str:
    return f"{size:,}"


def floor_rps(http: dict[str, Any]) -> float:
    """The 1 KB floor, measured before and after the tracker's load tests."""
    values = [float(http[k]["rps"]) for k in ("floor_1k", "floor_1k_after") if k in http]
    return sum(values) / len(values)


def machine_speed(results: dict[str, Any]) -> dict[str, Any]:
    """How fast the machine of a run was, apart from the code: its 1 KB floor (median over the
    load tests) and its loop of Python additions."""
    floors = [floor_rps(r["figures"]["http"]) for r in results["runs"] if "http" in r["figures"]]
    return {
        "started": results["settings"]["started"],
        "floor_rps": statistics.median(floors) if floors else None,
        "python_loop_s": results["machine"].get("python_loop_s"),
    }


def _speed_against(results: dict[str, Any]) -> list[str]:
    previous = results.get("previous_run")
    if not previous or not previous.get("floor_rps"):
        return []
    now = machine_speed(results)
    if not now["floor_rps"]:
        return []
    loop = (
        f" and its loop of Python additions {previous['python_loop_s']:.2f} s"
        if previous.get("python_loop_s")
        else ""
    )
    return [
        f"- the run this one replaced ({previous['started']}) served the 1 KB floor at "
        f"{previous['floor_rps']:,.0f}/s{loop} (medians over its load tests); this run "
        f"{now['floor_rps']:,.0f}/s. The absolute times of two runs differ with their machines "
        "before any change of code: compare runs through the ratios to the floors."
    ]


# The most an exponent may exceed 1 and still count as linear: timings of one run drift.
GROWTH_LIMIT = 1.15


def growths(runs: list[Run]) -> list[tuple[float, str, str]]:
    """(exponent, key, label) of every cost with figures at the two largest sizes."""
    found = []
    for key, label in COSTS:
        b = growth([(r["size"], r["figures"].get(key)) for r in runs])
        if b is not None:
            found.append((b, key, label))
    return found


def growth(points: list[tuple[int, float]]) -> float | None:
    """The exponent b of cost ~ N^b between the two largest sizes (1 is linear)."""
    usable = [(n, c) for n, c in points if c and c > 0]
    if len(usable) < 2:
        return None
    (n1, c1), (n2, c2) = usable[-2], usable[-1]
    return math.log(c2 / c1) / math.log(n2 / n1)


def _targets(results: dict[str, Any]) -> list[str]:
    lines = [
        "| target | backend | N | measured | met |",
        "|---|---|---:|---|---|",
    ]
    for backend in ("sqlite", "postgresql"):
        for run in _runs(results, backend):
            figures, size = run["figures"], run["size"]
            http = figures.get("http")
            if http:
                floor = floor_rps(http)
                for key, label, needed in (
                    ("feed_304", "feed poll 304 ≥ 0.8× floor", 0.8),
                    ("detail", "initiative detail ≥ 0.3× floor", 0.3),
                    ("list", "initiative list ≥ 0.2× floor", 0.2),
                ):
                    ratio = http[key]["rps"] / floor
                    lines.append(
                        f"| {label} | {backend} | {_n(size)} | {ratio:.2f}× "
                        f"({http[key]['rps']:.0f}/s vs {floor:.0f}/s) | "
                        f"{'yes' if ratio >= needed else '**no**'} |"
                    )
                post, check = http["post"], http["post_check"]
                ok = (
                    (backend != "sqlite" or (post["rps"] >= 500 and post["p99_ms"] < 100))
                    and check["acknowledged"] == check["logged"]
                    and check["mismatched_initiatives"] == 0
                )
                lines.append(
                    f"| transition POST{' ≥ 500/s, p99 < 100 ms,' if backend == 'sqlite' else ''}"
                    f" no lost or duplicated events | {backend} | {_n(size)} | "
                    f"{post['rps']:.0f}/s, p99 {post['p99_ms']:.0f} ms; {check['acknowledged']} "
                    f"acknowledged, {check['logged']} logged | {'yes' if ok else '**no**'} |"
                )
            if size >= 10_000:
                feed, floor_s = figures["feed_s"], figures["feed_floor_s"]
                lines.append(
                    f"| programme feed ≤ string-formatting floor | {backend} | {_n(size)} | "
                    f"{_s(feed)} vs {_s(floor_s)} ({figures['feed_events']:,} events) | "
                    f"{'yes' if feed <= floor_s else '**no**'} |"
                )
                for fmt, limit in (("json", 1.0), ("html", 2.0)):
                    served = (http or {}).get(f"report_{fmt}_served")
                    if served is None:
                        continue
                    took = served["worst_s"]
                    lines.append(
                        f"| weekly report {fmt.upper()} < {limit:.0f} s (served by a running "
                        f"server, worst of {served['requests']} requests) | {backend} | "
                        f"{_n(size)} | {_s(took)} (median {_s(served['median_s'])}) | "
                        f"{'yes' if took < limit else '**no**'} |"
                    )
        runs = _runs(results, backend)
        worst = max(growths(runs), default=None)
        if worst:
            b, _, label = worst
            lines.append(
                f"| every cost grows no worse than linearly | {backend} | "
                f"{_n(runs[-2]['size'])}→{_n(runs[-1]['size'])} | worst exponent "
                f"{b:.2f} ({label}) | {'yes' if b <= GROWTH_LIMIT else '**no**'} |"
            )
    return lines


def _costs(results: dict[str, Any], backend: str) -> list[str]:
    runs = _runs(results, backend)
    if not runs:
        return []
    header = "| operation | " + " | ".join(f"N = {_n(r['size'])}" for r in runs) + " | growth |"
    lines = [header, "|---|" + "---:|" * (len(runs) + 1)]
    for key, label in COSTS:
        values = [r["figures"].get(key) for r in runs]
        b = growth([(r["size"], v) for r, v in zip(runs, values, strict=True)])
        exponent = f"N^{b:.2f}" if b is not None else "–"
        lines.append(f"| {label} | " + " | ".join(_s(v) for v in values) + f" | {exponent} |")
    lines.append(
        "| weekly report JSON / HTML size | "
        + " | ".join(
            f"{r['figures']['report_json_bytes'] / 1e6:.1f} / "
            f"{r['figures']['report_html_bytes'] / 1e6:.1f} MB"
            for r in runs
        )
        + " | |"
    )
    lines.append(
        "| peak memory: report JSON / HTML / feed | "
        + " | ".join(
            f"{r['figures']['report_json_mb']:.0f} / {r['figures']['report_html_mb']:.0f} / "
            f"{r['figures']['feed_mb']:.0f} MB"
            for r in runs
        )
        + " | |"
    )
    lines.append(
        "| memory a server keeps for its weekly reports (the memo) | "
        + " | ".join(f"{r['figures'].get('report_memo_mb', 0):.0f} MB" for r in runs)
        + " | |"
    )
    lines.append(
        "| programme feed: events, size | "
        + " | ".join(
            f"{r['figures']['feed_events']:,}, {r['figures']['feed_bytes'] / 1e6:.1f} MB"
            for r in runs
        )
        + " | |"
    )
    lines.append(
        "| forecasts moved by the first refresh | "
        + " | ".join(f"{r['figures']['refresh_moved']:,}" for r in runs)
        + " | |"
    )
    return lines


def _loads(results: dict[str, Any], backend: str) -> list[str]:
    runs = _runs(results, backend)
    lines = []
    for r in runs:
        info = r.get("load", {})
        if "copied_s" in info:
            lines.append(
                f"- N = {_n(r['size'])}: copied row by row from the SQLite database the services "
                f"filled, in {_s(info['copied_s'])}."
            )
        elif info:
            per = (info["import_s"] + info["history_s"]) / max(1, info["initiatives"])
            lines.append(
                f"- N = {_n(r['size'])}: {info['initiatives']:,} initiatives imported in "
                f"{_s(info['import_s'])} ({info['initiatives'] / info['import_s']:.0f}/s); "
                f"{info['events']:,} steps and {info['replans']:,} re-plans recorded in "
                f"{_s(info['history_s'])} ({info['events'] / max(info['history_s'], 1e-9):.0f} "
                f"steps/s); {per * 1000:.0f} ms per initiative in all"
                + (f"; {info['refused']} generated steps refused" if info["refused"] else "")
                + (" (measured when the cached database was made)" if info.get("cached") else "")
                + "."
            )
    return lines


def _served(http: dict[str, Any] | None) -> str:
    """What a coordinator waits for, since each worker of a server makes its memo when it
    starts and after every midnight (tracker.services.background)."""
    if not http or "report_json_served" not in http:
        return ""
    json_, html = http["report_json_served"], http["report_html_served"]
    return (
        "Each worker of a server pays the first two costs in the background: it makes this "
        "week's report into its memo when it starts and one minute after every midnight "
        "(`Background`), and a report asked for meanwhile waits for it. Over HTTP, once the "
        f"workers had made their memos, {json_['requests']} requests took "
        f"{_s(json_['median_s'])} (median; worst {_s(json_['worst_s'])}, first "
        f"{_s(json_['first_s'])}) for the JSON report ({json_['bytes'] / 1e6:.0f} MB) and "
        f"{_s(html['median_s'])} (worst {_s(html['worst_s'])}) for the HTML page, until the "
        "whole body had arrived."
    )


def _http(results: dict[str, Any], backend: str) -> list[str]:
    runs = [r for r in _runs(results, backend) if r["figures"].get("http")]
    if not runs:
        return []
    lines = [
        "| endpoint | N | requests/s | p50 | p99 | × floor | requests | errors | connections "
        "per worker |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        http = r["figures"]["http"]
        floor = floor_rps(http)
        for key, label in ENDPOINTS:
            m = http[key]
            base = http["floor_list"]["rps"] if key == "list" else floor
            ratio = f"{m['rps'] / base:.2f}" + (" (of same-size floor)" if key == "list" else "")
            if key == "list":
                ratio += f"; {m['rps'] / floor:.2f} (of 1 KB)"
            if key.startswith("floor"):
                ratio = "–"
            lines.append(
                f"| {label} | {_n(r['size'])} | {m['rps']:,.0f} | {m['p50_ms']:.1f} ms | "
                f"{m['p99_ms']:.1f} ms | {ratio} | {m['requests']:,} | {m['errors']} | "
                f"{'/'.join(map(str, m.get('connections_per_worker', []))) or '?'} |"
            )
    lines.append("")
    for r in runs:
        http = r["figures"]["http"]
        check = http["post_check"]
        lines.append(
            f"- N = {_n(r['size'])}: bodies: list {http['list_bytes']:,} B, detail "
            f"{http['detail_bytes']:,} B, feed {http['feed_bytes']:,} B. POSTs: "
            f"{check['acknowledged']} answered 201, {check['logged']} new event-log rows, "
            f"{check['mismatched_initiatives']} initiatives whose count differs; statuses "
            f"{check['statuses']}; floor before/after "
            f"{http['floor_1k']['rps']:.0f}/{http['floor_1k_after']['rps']:.0f} requests/s."
        )
    return lines


def _steps(results: dict[str, Any], backend: str) -> list[str]:
    runs = [r for r in _runs(results, backend) if r["figures"].get("step_parts_s")]
    if not runs:
        return []
    lines = [
        "Where a transition's time goes (hold or resume through `record_event` and a commit, "
        "under cProfile, which inflates every part; ms per step and share of the step):",
        "",
        "| part | " + " | ".join(f"N = {_n(r['size'])}" for r in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    labels = list(runs[0]["figures"]["step_parts_s"])
    for label in labels:
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{r['figures']['step_parts_s'][label] * 1000:.1f} "
                f"({r['figures']['step_parts_s'][label] / r['figures']['step_profiled_s']:.0%})"
                for r in runs
            )
            + " |"
        )
    lines.append(
        "| whole step (profiled) | "
        + " | ".join(f"{r['figures']['step_profiled_s'] * 1000:.1f}" for r in runs)
        + " |"
    )
    return lines


def _post_under_load(
    figures: dict[str, Any], step: float, catch_up: float, backend: str, cores: int
) -> str:
    """Why the transition POSTs under load stay far from the in-process rate."""
    http = figures.get("http")
    if not http or "post" not in http:
        return ""
    post = http["post"]
    text = (
        f"Under load the POSTs reached {post['rps']:.0f}/s (p99 {post['p99_ms']:.0f} ms) on "
        f"{cores} cores, where the step alone would allow {cores / step:.0f}/s and the step with "
        f"a rebuild of its initiative's events {cores / (step + catch_up):.0f}/s: the clients "
        f"step many initiatives, each of which is rebuilt once per {Background.LONGEST:g} s at "
        "most, and each request adds its HTTP and JSON work. "
    )
    if backend == "sqlite":
        text += (
            "On SQLite the steps take turns at the one write lock. A step is worked out first "
            "(the caller's token, the initiative and its log, the workflow, the forecast) in a "
            "read transaction, and holds the lock only for its writes and the commit "
            "(synchronous=FULL: the write-ahead log reaches the disk before the answer), if the "
            "initiative's version is still the one it was worked out on. The steps of one "
            "process that wait for the lock meanwhile are written together when it comes: one "
            "transaction, a savepoint each, one commit and one disk sync (`GroupCommit`; before "
            "it, each step spent as long committing and handing the lock on as writing). "
            "The catch-up builds events in a read transaction and stores "
            f"{STORED_TOGETHER} initiatives per write transaction, so it holds that lock only "
            "briefly."
        )
    return text


def _findings(results: dict[str, Any], *, missed: bool) -> list[str]:
    """Where the time of each target's operation goes, in the figures' own numbers: why it is
    missed, where one is."""
    lines = ["## Why targets are missed" if missed else "## Where the time goes", ""]
    cores = results["machine"]["cores"] or 2
    for backend in ("sqlite", "postgresql"):
        runs = _runs(results, backend)
        if not runs:
            continue
        largest = runs[-1]
        figures, size = largest["figures"], largest["size"]
        name = "SQLite" if backend == "sqlite" else "PostgreSQL"
        step = figures.get("step_cpu_s")
        parts = figures.get("step_parts_s") or {}
        catch_up = figures.get("events_catch_up_cpu_s", 0.0)
        if step:
            shares = ", ".join(
                f"{label} {value * 1000:.1f} ms" for label, value in parts.items() if value > 0
            )
            lines.append(
                f"- **Transition POST ({name}, N = {_n(size)})**: recording one step and "
                f"committing costs {step * 1000:.1f} ms of CPU in process (under the profiler, "
                f"which inflates them: {shares}). "
                f"With {cores} cores that allows at most about {cores / step:.0f} steps per "
                "second before any HTTP work. The calendar events are no longer rebuilt in the "
                "request: a step only marks the initiative's events as behind, and a background "
                "thread (or the next feed request) brings them up to date once commits pause "
                f"for {Background.DELAY:g} s, and at least every {Background.LONGEST:g} s during a "
                "stream of steps, at "
                f"{catch_up * 1000:.1f} ms of CPU per initiative. "
                + _post_under_load(figures, step, catch_up, backend, cores)
            )
        per = figures["report_json_s"] / size
        lines.append(
            f"- **Weekly report ({name}, N = {_n(size)})**: a server's first report takes "
            f"{_s(figures['report_json_s'])} for JSON, {per * 1000:.2f} ms per initiative: it "
            "rebuilds every initiative as it stood at the report's moment (its events and plan "
            "changes replayed, its forecast and plan checks computed afresh), so that a past "
            "week's report never changes. A server keeps what it worked out (`ReportMemo`, "
            f"{figures.get('report_memo_mb', 0):.0f} MB here) for as long as it holds: an "
            "initiative whose version has not changed and whose log ends before the report's "
            "moment stands as it was, whatever the day, and as it was judged that day. The first "
            "report of a new day judges them again (forecast, status, lines) without reading or "
            f"turning back: {_s(figures.get('report_json_next_day_s'))} for JSON. A later report "
            "of the same day rebuilds only the initiatives that changed: "
            f"{_s(figures.get('report_json_kept_s'))} for JSON when none did, rendering "
            f"{figures['report_json_bytes'] / 1e6:.0f} MB of JSON (every stage of every "
            "initiative, for the CSV) in pieces of about 270 KB included, and "
            f"{_s(figures.get('report_html_kept_s'))} for HTML. " + _served(figures.get("http"))
        )
        if figures["feed_s"] > figures["feed_floor_s"]:
            lines.append(
                f"- **Programme feed ({name}, N = {_n(size)})**: assembling it from the stored "
                f"events took {_s(figures['feed_s'])} against {_s(figures['feed_floor_s'])} for "
                f"string formatting; most of it is reading {figures['feed_bytes'] / 1e6:.0f} MB "
                "of stored event text from the database and hashing it for the ETag. A request "
                "pays this only after a commit: the next poll was answered (304) in "
                f"{_s(figures['feed_304_s'])} in process."
            )
        http = figures.get("http")
        if http and http["feed_304"]["rps"] < 0.8 * floor_rps(http):
            lines.append(_poll_finding(name, runs, http))
        if "list_cpu_s" in figures:
            lines.append(
                f"- **Lists and details ({name}, N = {_n(size)})**: computed afresh, a list of 50 "
                f"costs {_s(figures['list_cpu_s'])} of CPU and a detail "
                f"{_s(figures['detail_cpu_s'])}; the load tests repeat the same requests, which "
                "the views each worker keeps answer after the first (until the next commit), "
                "the public's on the event loop, without a thread (`api.views.kept_view`)."
            )
        lines.extend(_growth_finding(name, runs))
    return [*lines, ""]


def _growth_finding(name: str, runs: list[Run]) -> list[str]:
    """The costs that grow faster than GROWTH_LIMIT between the two largest sizes."""
    small, large = runs[-2:] if len(runs) >= 2 else (None, None)
    found = [
        f"{label}: {_s(small['figures'][key])} at N = {_n(small['size'])}, "
        f"{_s(large['figures'][key])} at N = {_n(large['size'])} (N^{b:.2f})"
        for b, key, label in growths(runs)
        if b > GROWTH_LIMIT and small is not None and large is not None
    ]
    if not found:
        return []
    return [
        f"- **Growth ({name})**: " + "; ".join(found) + ". This run did not measure why; "
        "see the cost table for the same row on the other database."
    ]


def _poll_finding(name: str, runs: list[Run], http: dict[str, Any]) -> str:
    figures = runs[-1]["figures"]
    polls = ", ".join(f"N = {_n(r['size'])}: {_s(r['figures']['feed_304_s'])}" for r in runs)
    text = (
        f"- **Feed poll 304 ({name})**: under load {http['feed_304']['rps']:,.0f}/s against "
        f"{floor_rps(http):,.0f}/s for the floor. Through the test client a poll takes {polls}, "
        "whatever the size of the programme: each worker keeps the feed it built until the "
        "database changes. "
    )
    app, floor = figures.get("feed_304_asgi_s"), figures.get("floor_asgi_s")
    if app and floor:
        text += (
            f"Called as ASGI in process, without HTTP, the app answers a poll in "
            f"{app * 1e6:.0f} µs and the floor app its 1 KB in {floor * 1e6:.0f} µs "
            f"({floor / app:.2f}×): Litestar's routing and response objects, the app's "
            "middleware (security headers, rate limits) and its query parameters (lang, kind, "
            "status). The 304 itself carries only ETag and Cache-Control (RFC 9110 15.4.5). "
        )
    if name == "SQLite":
        text += (
            "A kept public feed is answered on the event loop, without a transaction or a "
            "thread: the generation is PRAGMA data_version of a connection that never writes, "
            "read at most every 50 ms and after each commit of the worker, so that another "
            "worker's commit shows up to 50 ms late."
        )
    else:
        text += (
            "A kept public feed is answered on the event loop, without a query or a thread: "
            "the generation is the change counter as last announced to the worker (NOTIFY at "
            "each commit, heard by a thread of each worker on a connection of its own), which "
            "shows another worker's commit a moment late."
        )
    return text


def _parse(results: dict[str, Any]) -> list[str]:
    lines = ["| N | time | initiatives/s |", "|---:|---:|---:|"]
    for p in results["parse"]:
        lines.append(f"| {_n(p['size'])} | {_s(p['parse_s'])} | {p['parse_per_s']:,.0f} |")
    return lines


def _before_after(results: dict[str, Any], before: dict[str, Any]) -> list[str]:
    lines = [
        "| backend | N | figure | before | after |",
        "|---|---:|---|---:|---:|",
    ]
    previous = {(r["backend"], r["size"]): r for r in before.get("runs", [])}
    for run in results["runs"]:
        old = previous.get((run["backend"], run["size"]))
        if old is None:
            continue
        for key, label in COSTS:
            a, b = old["figures"].get(key), run["figures"].get(key)
            if a is not None and b is not None:
                lines.append(
                    f"| {run['backend']} | {_n(run['size'])} | {label} | {_s(a)} | {_s(b)} |"
                )
        new_http, old_http = run["figures"].get("http"), old["figures"].get("http")
        if new_http and old_http:
            for key, label in ENDPOINTS:
                if key.startswith("floor"):
                    continue
                a_ratio = old_http[key]["rps"] / floor_rps(old_http)
                b_ratio = new_http[key]["rps"] / floor_rps(new_http)
                lines.append(
                    f"| {run['backend']} | {_n(run['size'])} | {label} | "
                    f"{old_http[key]['rps']:,.1f}/s ({a_ratio:.2f}× floor), p99 "
                    f"{old_http[key]['p99_ms']:.0f} ms | {new_http[key]['rps']:,.1f}/s "
                    f"({b_ratio:.2f}× floor), p99 {new_http[key]['p99_ms']:.0f} ms |"
                )
    return lines


def write_report(results: dict[str, Any], before: dict[str, Any] | None, path: Path) -> None:
    m, settings = results["machine"], results["settings"]
    targets = _targets(results)
    text = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`python -m bench`) on {settings['started']} in "
        f"{settings.get('total_s', 0) / 60:.1f} minutes; every figure below is measured by that "
        "run. Absolute times drift on shared machines; the HTTP figures are therefore also given "
        "as ratios to a floor measured in the same run. The plot of cost against N is "
        "[cost.svg](cost.svg); the raw figures are in [results.json](results.json).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gb']} GB memory; {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '–'}, "
        f"{m['wrk']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        *(
            [
                f"- speed: a loop of 10 million Python additions took {m['python_loop_s']:.2f} s "
                "(best of 3), to compare absolute times between runs"
            ]
            if "python_loop_s" in m
            else []
        ),
        *_speed_against(results),
        f"- servers: {settings['workers']} workers each; load tests {settings['seconds']:.0f} s "
        f"each; {settings['clients']} concurrent writers; seed {settings['seed']}",
        "",
        "## Targets",
        "",
        *targets,
        "",
    ]
    text += _findings(results, missed=any(line.endswith("| **no** |") for line in targets))
    text += ["## Annex parsing", "", *_parse(results), ""]
    for backend in ("sqlite", "postgresql"):
        if not _runs(results, backend):
            continue
        text += [
            f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}",
            "",
            "Loading the programme:",
            "",
            *_loads(results, backend),
            "",
            *_costs(results, backend),
            "",
            *_http(results, backend),
            "",
            *_steps(results, backend),
            "",
        ]
    if before is not None:
        text += [
            "## Before and after the changes",
            "",
            "`before` is the run kept in bench/before.json (the previous results.json, "
            "10:49 UTC on 23 November 2026), before this round of changes: calendar events "
            "built outside the step (a background thread and the feeds catch up) and outside "
            "the write lock (built in a read transaction, stored in a short write), folded "
            "without icalendar's per-character loop; saving only what changed with Core "
            "statements, reading statements built once, SQLite writers taking turns at a gate "
            "and the API's steps waiting for it committed together, "
            "a per-database change counter for PostgreSQL's caches, read on a connection kept "
            "open for it, kept public feeds answered without a transaction (on the event loop "
            "with SQLite), and a cheaper weekly report (rewinding initiatives in "
            "place, logs read as plain rows, forecast rules and working-day sums remembered); "
            "`after` is this run. Both runs shared the machine with other work, so compare the "
            "ratios to the floor rather than absolute times.",
            "",
            *_before_after(results, before),
            "",
        ]
    text += [METHOD, ""]
    path.write_text("\n".join(text))


METHOD = """## How each figure is measured

- **Programme.** `bench/generate.py` writes annexes in the ministers' format (one policy area per
  400 initiatives; decrees and orders; planning lines in the annex phrasings such as "medio
  januari 2025", "najaar 2026", "juli of november 2027", "Q3 2026", "tussen mei en juni 2026",
  "uiterlijk oktober 2025", explicit days; advice to ask; legal deadlines in the rationale;
  entities from workflows/entities.toml and synthetic ones), all drawn from one seeded random
  generator. The annexes are read by `tracker.readers.annex` and imported by `import_annex`; each
  initiative then gets a history through `record_event` and `replan` (steps a little before or
  long after their planned window, holds, withdrawals, re-plans), with the dates and record
  times of the past, up to Friday 20 November 2026. One transaction per 250 initiatives.
- **Annex parsing**: the generated annex text, in memory, read by `parse_annex`; best of 3 (and
  up to 5 while they fit in 3 s).
- **Forecast refresh**: `refresh_all` as of now and a commit, as `tracker forecast refresh` does;
  the first run after loading moves forecasts (the histories were recorded in the past), the
  second finds nothing to move (best of 2, and up to 5 while they fit in 3 s).
- **Weekly report**: `weekly_report` for this week as a coordinator (the whole programme), then
  rendered as JSON or HTML in the pieces a server sends (`render_parts`); best of 5 (from
  10,000: of 2, and up to 5 while they fit in 3 s; "first of a day": of 2 separately prepared
  single runs). "A server's first": each run with a new `ReportMemo`, as after a server starts.
  "First of a day": with the memo of one report made as of the same time the day before
  (nothing changed since), as a running server's first report of a day. "Memo of earlier
  reports": with the memo of one report made before, as the server's later reports that day
  (nothing changed in between). Peak memory: a separate run under tracemalloc (memory
  allocated by Python), with a new memo; the memo's size: what a report with a new memo leaves
  allocated.
- **Programme feed build**: what each request did before any caching: `feed()` reads the stored
  VEVENT texts of the public initiatives as the UTF-8 bytes a feed sends, `calendar()` joins
  them, then the body is hashed for its ETag. **Floor**: the same events (dates, status,
  sequence as stored, texts as the calendar module writes them), written with plain string
  formatting (escaping and folding included) and encoded; the events are prepared before the
  clock starts. The in-process GET and 304 go through the whole app with Litestar's TestClient.
  **The app alone**: the same 304 poll, and the floor app's 1 KB answer, called as ASGI apps
  directly on their event loop (no HTTP, no client), 2,000 calls, best of three; rate limits
  off, as in the load tests.
- **HTTP under load**: `tracker serve --workers W` and the floor app (`bench/floor.py`, a Litestar
  app run by the same `tracker.app.server.serve`, on granian, with the same workers and log level)
  on 127.0.0.1; each granian worker listens on a socket of its own (SO_REUSEPORT), and the
  connections each worker holds are counted once, a second into each load, from /proc. wrk
  (1 thread, 16 connections; 4 for the full feed, whose request count is also capped) for the
  reads; latencies are wrk's. Before the 304 polls, 4 conditional requests per worker on fresh
  connections give every worker the feed it keeps, so that the polls measure the steady state
  (a worker builds a feed once per commit, not once per poll). The floor is measured before
  and after the tracker's tests and averaged. The initiative list is compared with the 1 KB
  floor (the target) and with a floor answering a body of the list's own size. Details rotate
  over 50 initiatives.
- **Transition POSTs**: 16 asyncio clients on keep-alive connections, each advancing its own 8
  initiatives (hold, then resume, then hold, ...) with the ETag of its previous answer as
  If-Match; afterwards the event-log rows of those initiatives are counted against the 201
  answers, per initiative.
- **Growth**: the exponent b in cost ∝ N^b between the two largest sizes (1 is linear).
- **100,000 initiatives**: only annex parsing; loading through the services takes tens of
  milliseconds per initiative (figures above), so a programme of 100,000 would take well over
  an hour to load, far beyond the few minutes the benchmark may take.
"""
