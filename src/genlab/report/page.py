"""Report building blocks and the HTML page they render to.

Studies describe their report as Sections of Text, Table and Figure blocks; this module
turns them into one static page that opens from the file system (no server, no
JavaScript). Figures are referenced relative to the run folder so the folder can move.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml

from genlab import atomic


@dataclass
class Text:
    body: str  # plain text; blank lines separate paragraphs
    note: bool = False  # rendered as a highlighted note (caveats, honesty about limits)


@dataclass
class Table:
    header: list[str]
    rows: list[list]
    caption: str = ""
    kinds: list[str | None] | None = None  # per column, a key of QUANTITIES (None: fmt's default)


@dataclass(frozen=True)
class Estimate:
    """A number with its uncertainty, as one table cell: shown as `m ± h` (h the half-width of its
    95 % interval), `m (low to high)` where the interval is not symmetric, or `m` alone; exported
    to CSV as separate numeric columns (mean, ci_low, ci_high, n, se)."""

    mean: float
    low: float | None = None  # 95 % interval
    high: float | None = None
    n: int | None = None  # seeds (trials) behind it
    se: float | None = None  # standard error from sampling alone (one generated set), where measured

    @classmethod
    def sampled(cls, value: float, se: float | None) -> Estimate:
        """One measurement with its sampling standard error: ± 1.96 se, the 95 % normal interval."""
        if se is None:
            return cls(value)
        return cls(value, value - 1.96 * se, value + 1.96 * se, se=se)

    def text(self, digits: int = 4) -> str:
        if self.low is None or self.high is None:
            return f"{self.mean:.{digits}g}"
        above, below = self.high - self.mean, self.mean - self.low
        if abs(above - below) <= 1e-9 * max(abs(above), abs(below), 1e-300):
            return f"{self.mean:.{digits}g} ± {(self.high - self.low) / 2:.2g}"
        return f"{self.mean:.{min(digits, 3)}g} ({self.low:.{min(digits, 3)}g} to {self.high:.{min(digits, 3)}g})"


@dataclass
class Conclusion:
    body: str  # what to conclude from the section, computed from its numbers


@dataclass
class Figure:
    path: str  # relative to the run folder, e.g. "figures/loss_curves.png"
    caption: str


Block = Union[Text, Table, Figure, Conclusion, "Bullets"]


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


# One formatting rule per quantity, shared by tables and sentences (quantity()): the same
# number never shows as 84.9 in one place and 84.9549 in another.
QUANTITIES = {
    "percent": lambda v: f"{v:.2f}",  # accuracy, F1… already ×100: the report's two decimals
    "seconds": lambda v: f"{v:,.1f}",  # wall and training times
    "score": lambda v: f"{v:.3f}",  # numbers in [0, 1]: precision, recall, mAP, SSIM
    "loss": lambda v: f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}",  # losses and MSEs: four significant digits
    "ratio": lambda v: f"{v:.2f}",  # model / PCA and other quotients
    "db": lambda v: f"{v:.2f}",  # PSNR
    "fid": lambda v: f"{v:.2f}",
    "rate": lambda v: f"{v:,.0f}",  # images per second
    "count": lambda v: f"{int(v):,}",  # steps, updates
    "duration": lambda v: f"{v:.2g}" if abs(v) < 1 else f"{v:,.1f}",  # seconds, maybe ms: 0.026, 0.82, 3.9
    "mflop": lambda v: f"{v:,.2f}",  # MFLOP of one update
    "gflop": lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}",  # GFLOP of a whole training
    "p": lambda v: "< 0.0001" if v < 1e-4 else f"{v:.2g}",  # p-values
}


def quantity(value, kind: str) -> str:
    """`value` by the rule of its quantity; '—' for missing."""
    if value is None or value == "" or isinstance(value, (str, bool)):
        return fmt(value)
    if value != value:  # NaN
        return "nan"
    return QUANTITIES[kind](value)


def fmt(value, digits: int = 4) -> str:
    """Numbers for tables: fixed significant digits, '—' for missing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "nan"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}".rstrip("0").rstrip(".") or "0"
    return str(value)


PAGE_WIDTH_PX = 1100  # the body's max-width: figures wider than this are shown scaled down
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:PAGE_WIDTHpx;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #444;padding-bottom:.2em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:.92em} th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}
th{background:#f0f0f0} td:first-child,th:first-child{text-align:left} caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
figure{margin:1.2em 0} figure img{max-width:100%;border:1px solid #ddd} figcaption{font-size:.9em;color:#555}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.5em 1em} pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}
nav ul{columns:2} .meta{color:#666;font-size:.9em} .verdict{border-left:4px solid #2b7a3d;padding:.2em 1em;background:#eef7ef}
.banner{background:#fde8e8;border:1px solid #d9534f;padding:.6em 1em;font-weight:600}
.findings{background:#f3f6fb;border:1px solid #9db3d6;padding:.2em 1.2em 1em;margin:1em 0}
.findings h2{margin-top:.6em;border:none} .findings h3{margin:.8em 0 .2em;font-size:1em} .findings ul{margin:.2em 0}
code{background:#f0f0f0;padding:0 .25em;border-radius:3px;font-size:.92em} details{margin:1em 0}
"""
CSS = CSS.replace("PAGE_WIDTH", str(PAGE_WIDTH_PX))


@dataclass
class Link:
    """A table cell that links to another page, e.g. a trial's report (relative to the page)."""

    text: str
    href: str


@dataclass
class Bullets:
    """A headed list of short statements (the findings that open a page)."""

    heading: str
    items: list[str]


def render(title: str, sections: list[Section], config: dict, environment: dict, subtitle: str = "",
           image_src=None, banner: str = "", findings: Section | None = None) -> str:
    """`image_src(path) -> str` gives each figure's src (default: the relative path). The page opens
    with the title, `banner` (a quick run says so), then `findings`; the contents follow, folded."""
    src = image_src or (lambda p: p)
    toc = "".join(f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>' for i, s in enumerate(sections))
    body = "".join(_section(i, s, src) for i, s in enumerate(sections))
    appendix = f'<h2 id="config">Resolved study config</h2><pre>{html.escape(yaml.safe_dump(config, sort_keys=False))}</pre>'
    env_link = ""
    if environment:
        appendix += f'<h2 id="env">Environment</h2><pre>{html.escape(json.dumps(environment, indent=2))}</pre>'
        env_link = "<li><a href='#env'>Environment</a></li>"
    top = f"<div class='banner'>{_inline(banner)}</div>" if banner else ""
    if findings is not None:
        top += f"<div class='findings' id='findings'>{_section('f', findings, src)}</div>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='meta'>{html.escape(subtitle)}</p>{top}"
        f"<details><summary>Contents ({len(sections)} sections)</summary><nav><ul>{toc}"
        f"<li><a href='#config'>Resolved study config</a></li>{env_link}</ul></nav></details>"
        f"{body}{appendix}</body></html>\n"
    )


def cells(table: Table, row: list) -> list[str]:
    """A row's cells as shown: each by its column's quantity rule, else fmt's default."""
    kinds = table.kinds or []
    return [c.text if isinstance(c, Link) else c.text() if isinstance(c, Estimate)
            else quantity(c, kinds[i]) if i < len(kinds) and kinds[i] else fmt(c) for i, c in enumerate(row)]


def _inline(text: str) -> str:
    """Escaped text with `code` spans as <code> (sentences quote commands in backticks)."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)


def _paragraphs(body: str) -> str:
    return "".join(f"<p>{_inline(p.strip())}</p>" for p in body.split("\n\n") if p.strip())


def _cell(table: Table, row: list) -> str:
    shown = cells(table, row)
    return "".join(f'<td><a href="{html.escape(c.href)}">{html.escape(t)}</a></td>' if isinstance(c, Link)
                   else f"<td>{html.escape(t)}</td>" for c, t in zip(row, shown))


def _section(index, section: Section, image_src) -> str:
    parts = [f'<h2 id="s{index}">{html.escape(section.title)}</h2>']
    for block in section.blocks:
        if isinstance(block, Text):
            parts.append(f'<div class="note">{_paragraphs(block.body)}</div>' if block.note else _paragraphs(block.body))
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_inline(i)}</li>" for i in block.items)
            parts.append(f"<h3>{html.escape(block.heading)}</h3><ul>{items}</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in block.header)
            rows = "".join(f"<tr>{_cell(block, row)}</tr>" for row in block.rows)
            caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
            parts.append(f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Conclusion):
            parts.append(f'<div class="verdict"><p><b>What to conclude</b></p>{_paragraphs(block.body)}</div>')
        elif isinstance(block, Figure):
            src = html.escape(image_src(block.path))
            parts.append(f'<figure><img src="{src}" data-file="{html.escape(block.path)}" alt="{html.escape(block.caption)}" '
                         f'loading="lazy"><figcaption>{html.escape(block.caption)}</figcaption></figure>')
    return "".join(parts)


def write(run_path: Path, title: str, sections: list[Section], config: dict, environment: dict, subtitle: str = "",
          linked_images: bool = False, banner: str = "", findings: Section | None = None) -> Path:
    """Render and write RUN/report.html atomically; figures that are missing on disk are
    dropped with a visible note rather than shown as broken images, and a figure shown twice
    (the same file, or the same pixels) is kept where it first appears. Figures are embedded,
    compressed (the page alone can be e-mailed or put on a course site) unless `linked_images`,
    which keeps the page small and links figures/*.png relative to the folder."""
    from genlab.report import images

    run_path = Path(run_path)
    seen: set[str] = set()
    for section in sections:
        kept = []
        for block in section.blocks:
            if isinstance(block, Figure) and not (run_path / block.path).is_file():
                kept.append(Text(f"Figure missing from the run folder: {block.path}", note=True))
            elif isinstance(block, Figure):
                key = images.content_key(run_path / block.path)
                if key not in seen:
                    seen.add(key)
                    kept.append(block)
            else:
                kept.append(block)
        section.blocks = kept
    embed = None if linked_images else (lambda rel: images.data_uri(run_path / rel))
    return atomic.write_text(run_path / "report.html", render(title, sections, config, environment, subtitle, embed,
                                                              banner, findings))
