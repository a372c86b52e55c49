"""bench/cost.svg: the cost of each operation against N, log-log, written by hand."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any

from bench.report import COSTS

WIDTH, HEIGHT = 900, 560
LEFT, RIGHT, TOP, BOTTOM = 70, 330, 40, 60
COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#000000", "#aec7e8", "#98df8a",
)  # fmt: skip


def _series(results: dict[str, Any]) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """(label, backend, points (N, seconds)) for every operation with at least two sizes."""
    series = []
    parse = [(float(p["size"]), float(p["parse_s"])) for p in results["parse"]]
    if len(parse) >= 2:
        series.append(("annex parsing", "sqlite", parse))
    for backend in ("sqlite", "postgresql"):
        runs = sorted(
            (r for r in results["runs"] if r["backend"] == backend), key=lambda r: r["size"]
        )
        for key, label in COSTS:
            points = [
                (float(r["size"]), float(r["figures"][key])) for r in runs if r["figures"].get(key)
            ]
            if len(points) >= 2:
                series.append((label, backend, points))
    return series


def write_plot(results: dict[str, Any], path: Path) -> None:
    series = _series(results)
    xs = [x for _, _, pts in series for x, _ in pts] or [1.0, 10.0]
    ys = [y for _, _, pts in series for _, y in pts] or [1.0, 10.0]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (math.log10(y) - y0) / (y1 - y0) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">Cost against programme size N '
        "(log-log; solid SQLite, dashed PostgreSQL; grey: linear growth)</text>",
    ]
    for e in range(x0, x1 + 1):
        x = px(10.0**e)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" '
                   'stroke="#ddd"/>')  # fmt: skip
        out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
                   f"{10**e:,}</text>")  # fmt: skip
    for e in range(y0, y1 + 1):
        y = py(10.0**e)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')  # fmt: skip
        label = f"{10.0**e:g} s" if e >= 0 else f"{10.0 ** (e + 3):g} ms"
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 15}" text-anchor="middle">'
               "N (initiatives)</text>")  # fmt: skip
    # Linear guides through the decades, so that a steeper line stands out.
    for e in range(y0 - (x1 - x0), y1 + 1):
        a, b = (10.0**x0, 10.0**e), (10.0**x1, 10.0 ** (e + x1 - x0))
        out.append(
            f'<line x1="{px(a[0]):.1f}" y1="{py(a[1]):.1f}" x2="{px(b[0]):.1f}" '
            f'y2="{py(b[1]):.1f}" stroke="#eee" stroke-dasharray="2,4"/>'
        )
    out.append(f'<clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{plot_w}" '
               f'height="{plot_h}"/></clipPath>')  # fmt: skip
    labels = sorted({label for label, _, _ in series}, key=[s[0] for s in series].index)
    colour = {label: COLOURS[i % len(COLOURS)] for i, label in enumerate(labels)}
    for label, backend, points in series:
        dash = ' stroke-dasharray="6,4"' if backend == "postgresql" else ""
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour[label]}" '
                   f'stroke-width="2"{dash} clip-path="url(#plot)"/>')  # fmt: skip
        for x, y in points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" '
                       f'fill="{colour[label]}"/>')  # fmt: skip
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#333"/>')  # fmt: skip
    for i, label in enumerate(labels):
        y = TOP + 10 + i * 20
        x = LEFT + plot_w + 20
        out.append(f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{colour[label]}" '
                   'stroke-width="2"/>')  # fmt: skip
        out.append(f'<text x="{x + 30}" y="{y + 4}">{escape(label)}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")
