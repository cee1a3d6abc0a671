"""A report table as CSV, Markdown or LaTeX, and a model's per-epoch metrics as a table: what
`genlab export RUN --format csv|md|tex` writes (genlab.studies.runner.export_run), files a
user can paste into a paper, a course page or a spreadsheet."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from genlab import atomic
from genlab.report.page import Estimate, Table, cells

FORMATS = ("csv", "md", "tex")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "table"


def render(table: Table, fmt_name: str) -> str:
    header = [str(h) for h in table.header]
    rows = [cells(table, row) for row in table.rows]
    if fmt_name == "csv":  # raw values, full precision: for spreadsheets
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows(_csv_rows(header, table.rows))
        return buf.getvalue()
    if fmt_name == "md":
        cell = lambda c: str(c).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [f"| {' | '.join(map(cell, header))} |", "|" + "---|" * len(header)]
        lines += [f"| {' | '.join(map(cell, row))} |" for row in rows]
        return (f"**{table.caption}**\n\n" if table.caption else "") + "\n".join(lines) + "\n"
    cols = "l" + "r" * (len(header) - 1)
    body = " \\\\\n".join(" & ".join(_tex(c) for c in row) for row in rows)
    caption = f"\\caption{{{_tex(table.caption)}}}\n" if table.caption else ""
    return (f"\\begin{{table}}[ht]\n\\centering\n{caption}\\begin{{tabular}}{{{cols}}}\n\\hline\n"
            f"{' & '.join(_tex(h) for h in header)} \\\\\n\\hline\n{body} \\\\\n\\hline\n\\end{{tabular}}\n\\end{{table}}\n")


ESTIMATE_COLUMNS = {"mean": "mean", "ci_low": "low", "ci_high": "high", "n": "n"}  # CSV column → Estimate field


def _csv_rows(header: list[str], rows: list[list]) -> list[list]:
    """Header and rows with every Estimate spread over numeric columns (`H mean`, `H ci_low`,
    `H ci_high`, `H n`, and `H se` where a cell of the column has one); a missing value is an
    empty cell, never a dash."""
    spread = {i: cols for i in range(len(header)) if (cols := _estimate_columns([r[i] for r in rows if i < len(r)]))}
    out = [[x for i, h in enumerate(header) for x in ([f"{h} {c}" for c in spread[i]] if i in spread else [h])]]
    for row in rows:
        out.append([x for i, c in enumerate(row) for x in (_estimate_cells(c, spread[i]) if i in spread else [_raw(c)])])
    return out


def _estimate_columns(column: list) -> tuple[str, ...]:
    """The CSV columns one table column spreads over: none unless it holds an Estimate."""
    found = [c for c in column if isinstance(c, Estimate)]
    if not found:
        return ()
    return (*ESTIMATE_COLUMNS, *(("se",) if any(c.se is not None for c in found) else ()))


def _estimate_cells(cell, columns: tuple[str, ...]) -> list:
    if not isinstance(cell, Estimate):  # a plain number in an estimate column: its mean alone
        return [_raw(cell), *[""] * (len(columns) - 1)]
    return [_raw(getattr(cell, ESTIMATE_COLUMNS.get(c, c))) for c in columns]


def _raw(value):
    return "" if value is None or value == "—" else value


def _tex(text) -> str:
    out = str(text)
    for a, b in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"), ("$", "\\$"), ("#", "\\#"), ("_", "\\_"),
                 ("{", "\\{"), ("}", "\\}"), ("~", "\\textasciitilde{}"), ("^", "\\textasciicircum{}")):
        out = out.replace(a, b)
    return out.replace("\\textbackslash\\{\\}", "\\textbackslash{}")


def epoch_table(records: list[dict]) -> Table:
    """A model's metrics.jsonl as one table: epoch, then every train / val / extra number."""
    keys: dict[str, None] = {}
    for r in records:
        for split in ("train", "val", "extra"):
            for k, v in (r.get(split) or {}).items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    keys[f"{split}.{k}"] = None
    rows = [[r["epoch"], *[(r.get(k.split(".", 1)[0]) or {}).get(k.split(".", 1)[1]) for k in keys]] for r in records]
    return Table(["epoch", *keys], rows)

