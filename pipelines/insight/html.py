"""HTML building blocks of the spend report: number formats, figures, tables, the page.

The page is one file with its CSS inline and no script; its Content-Security-Policy forbids
every fetch, so a browser opening it offline loads nothing else, and a report that tried to
would show the gap instead of silently phoning out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from html import escape
from string import Template
from typing import Any, NamedTuple

import polars as pl

Number = Decimal | float | int


def usd(value: Number | None) -> str:
    """``$1,234.57``; negative ``-$1,234.57``; ``n/a`` for None."""
    if value is None:
        return "n/a"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def signed_usd(value: Number | None) -> str:
    """``+$12.00`` / ``-$12.00``: a change, so the sign always shows."""
    text = usd(value)
    return text if text.startswith(("-", "n/a")) else f"+{text}"


def count(value: Number | None) -> str:
    return "n/a" if value is None else f"{int(value):,}"


def percent(value: Number | None, *, signed: bool = False, digits: int = 1) -> str:
    """``12.3%`` (or ``+12.3%`` with ``signed``) of a value already in percent."""
    if value is None:
        return "n/a"
    return f"{float(value):{'+' if signed else ''},.{digits}f}%"


def text(value: Any) -> str:
    return "" if value is None else str(value)


def figure(svg: str, caption: str, name: str) -> str:
    """A chart with its caption (caption is HTML: callers escape what they interpolate)."""
    return (
        f'<figure class="chart" id="chart-{name}">\n{svg}\n'
        f"<figcaption>{caption}</figcaption>\n</figure>"
    )


class Column(NamedTuple):
    """A table column: its header, the frame column it shows, and how."""

    header: str
    field: str
    fmt: Callable[[Any], str] = text
    numeric: bool = False  # right-aligned, tabular digits
    html: bool = False  # ``fmt`` returns markup (already escaped)


def table(frame: pl.DataFrame, columns: Sequence[Column], caption: str, name: str) -> str:
    """An HTML table of ``frame`` (caption is HTML: callers escape what they interpolate)."""
    head = "".join(f"<th>{escape(c.header)}</th>" for c in columns)
    rows = "\n".join(
        "<tr>" + "".join(_cell(c, row[c.field]) for c in columns) + "</tr>"
        for row in frame.iter_rows(named=True)
    )
    return (
        f'<table id="table-{name}">\n<caption>{caption}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    )


def _cell(column: Column, value: Any) -> str:
    shown = column.fmt(value)
    content = shown if column.html else escape(shown)
    return f'<td class="num">{content}</td>' if column.numeric else f"<td>{content}</td>"


def status(value: str | None) -> str:
    """A reconciliation status as a coloured badge (markup)."""
    name = escape(value or "none")
    return f'<span class="status status-{name}">{name}</span>'


def no_data(tables: Iterable[str]) -> str:
    names = ", ".join(tables)
    return f'<p class="no-data">No data yet ({escape(names)} missing or empty).</p>'


def section(name: str, title: str, body: str) -> str:
    return f'<section id="{name}">\n<h2>{escape(title)}</h2>\n{body}\n</section>'


def source(*tables: str) -> str:
    return "Source: " + ", ".join(f"<code>{escape(t)}</code>" for t in tables) + "."


CSS = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; padding: 0 24px 48px;
       max-width: 1040px; }
header { border-bottom: 1px solid #ddd; margin-bottom: 8px; }
h1 { font-size: 26px; margin: 24px 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; }
.lead { font-size: 17px; margin: 8px 0 16px; }
figure { margin: 12px 0 20px; }
figure svg { max-width: 100%; height: auto; }
figcaption, caption { color: #555; font-size: 13px; text-align: left; margin-top: 6px; }
caption { caption-side: bottom; }
table { border-collapse: collapse; margin: 12px 0 20px; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.no-data { color: #777; font-style: italic; }
.status { padding: 1px 6px; border-radius: 3px; background: #eee; }
.status-match { background: #d8f0d2; } .status-drift { background: #f9d3d0; }
.status-pending { background: #fdf0c8; }
code { font-size: 12px; background: #f3f3f3; padding: 0 3px; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
"""

PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>fal.ai spend, $start to $end</title>
<style>$css</style>
</head>
<body>
<header>
<h1>fal.ai spend, $start to $end</h1>
<p class="lead">$lead</p>
</header>
$sections
<footer>Written by falcost on $generated from the warehouse's marts. Money is billed USD;
days are UTC. Every chart is a static SVG drawn when the report was written.</footer>
</body>
</html>
""")


def page(*, start: str, end: str, lead: str, sections: Sequence[str], generated: str) -> str:
    return PAGE.substitute(
        start=escape(start),
        end=escape(end),
        lead=lead,
        css=CSS,
        sections="\n".join(sections),
        generated=escape(generated),
    )
