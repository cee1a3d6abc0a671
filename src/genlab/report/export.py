"""A report table as CSV, Markdown or LaTeX, and a model's per-epoch metrics as a table: what
`genlab export RUN --format csv|md|tex` writes (genlab.studies.runner.export_run), files a
user can paste into a paper, a course page or a spreadsheet."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from genlab import atomic
from genlab.report.page import Table, cells

FORMATS = ("csv", "md", "tex")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "table"


def render(table: Table, fmt_name: str) -> str:
    header = [str(h) for h in table.header]
    rows = [cells(table, row) for row in table.rows]
    if fmt_name == "csv":  # raw values, full precision: for spreadsheets
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if c is None else c for c in row] for row in table.rows])
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

