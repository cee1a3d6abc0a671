"""The documentation: the generated reference pages match the code, and the site builds with
`mkdocs build --strict` (every page, every link, every API docstring mkdocstrings renders)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_reference_pages_are_current():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gen_reference
    finally:
        sys.path.remove(str(ROOT / "docs"))
    for name, text in gen_reference.pages().items():
        committed = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/reference/{name} is out of date: run python docs/gen_reference.py"


def test_study_file_reference_names_every_key():
    text = (ROOT / "docs" / "reference" / "study-file.md").read_text(encoding="utf-8")
    for key in ("`train.epochs`", "`data.image_size`", "`models[].title`", "`comparisons[].claim_by`",
                "`analysis.generation.samples`", "`analysis.generation.feature_net.epochs`",
                "`analysis.frozen_classifiers.enabled`"):
        assert key in text, key


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (dev group: "
                                                                        "mkdocs, mkdocs-material, mkdocstrings[python])")
def test_site_builds_strict(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "study-file" / "index.html").is_file()
