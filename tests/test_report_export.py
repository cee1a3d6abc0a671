"""Tables as CSV (raw values), Markdown and LaTeX (escaped), from the report's own Table blocks."""
from __future__ import annotations

import csv

from genlab.report.export import epoch_table, render, slug
from genlab.report.page import Table

TABLE = Table(["model", "acc %", "loss_parts"], [["AE & co", 0.90123456, None], ["VAE|x", 12, "a_b"]], "Top-1 {50%}")


def test_csv_keeps_raw_values():
    rows = list(csv.reader(render(TABLE, "csv").splitlines()))
    assert rows == [["model", "acc %", "loss_parts"], ["AE & co", "0.90123456", ""], ["VAE|x", "12", "a_b"]]


def test_markdown_escapes_pipes_and_formats_numbers():
    text = render(TABLE, "md")
    assert text.startswith("**Top-1 {50%}**") and "| VAE\\|x | 12 | a_b |" in text and "| AE & co | 0.9012 | — |" in text


def test_latex_escapes_specials():
    text = render(TABLE, "tex")
    assert "\\caption{Top-1 \\{50\\%\\}}" in text and "AE \\& co & 0.9012" in text and "loss\\_parts" in text
    assert text.count(" \\\\\n") == 3  # the header and both rows end with a LaTeX line break


def test_epoch_table_and_slug():
    table = epoch_table([{"epoch": 1, "train": {"loss": 2.0}, "val": {"loss": 3.0}, "extra": {"fid": 9.0}},
                         {"epoch": 2, "train": {"loss": 1.0}, "val": {}, "extra": {}}])
    assert table.header == ["epoch", "train.loss", "val.loss", "extra.fid"]
    assert table.rows == [[1, 2.0, 3.0, 9.0], [2, 1.0, None, None]]
    assert slug("Is each difference real? (tested)") == "is_each_difference_real_tested"
