"""Tables as CSV (raw values; an Estimate as numeric columns), Markdown and LaTeX (escaped),
from the report's own Table blocks."""
from __future__ import annotations

import csv

from genlab.report.export import epoch_table, render, slug
from genlab.report.page import Estimate, Table

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


ESTIMATES = Table(["model", "FID", "P(better)", "note"],
                  [["AE", Estimate(9.5, 9.0, 10.0, 3), Estimate(0.84, 0.56, 1.0, 5), "—"],
                   ["VAE", Estimate.sampled(12.0, 0.5), None, "ok"], ["GAN", Estimate(7.25), 0.5, None]])


def test_estimates_are_separate_numeric_csv_columns():
    rows = list(csv.reader(render(ESTIMATES, "csv").splitlines()))
    assert rows[0] == ["model", "FID mean", "FID ci_low", "FID ci_high", "FID n", "FID se", "P(better) mean",
                       "P(better) ci_low", "P(better) ci_high", "P(better) n", "note"]
    assert rows[1] == ["AE", "9.5", "9.0", "10.0", "3", "", "0.84", "0.56", "1.0", "5", ""]  # "—" → empty
    assert rows[2][:6] == ["VAE", "12.0", str(12.0 - 1.96 * 0.5), str(12.0 + 1.96 * 0.5), "", "0.5"]
    assert rows[2][6:] == ["", "", "", "", "ok"] and rows[3][6:10] == ["0.5", "", "", ""]


def test_estimates_render_as_mean_plus_minus_half_width():
    text = render(ESTIMATES, "md")
    assert "| AE | 9.5 ± 0.5 | 0.84 (0.56 to 1) | — |" in text  # asymmetric: its interval, not a ±
    assert "| VAE | 12 ± 0.98 |" in text and "| GAN | 7.25 | 0.5 |" in text
    assert "9.5 ± 0.5" in render(ESTIMATES, "tex")


def test_p_values_have_their_own_rule():
    table = Table(["p"], [[0.0123], [3e-6], [None]], kinds=["p"])
    assert [r.strip("| ") for r in render(table, "md").splitlines()[2:]] == ["0.012", "< 0.0001", "—"]
