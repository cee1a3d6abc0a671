"""The example notebook runs top to bottom in a real Jupyter kernel (nbclient): genlab's
Python API as a notebook user sees it."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "genlab_in_a_notebook.ipynb"


def test_example_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {i: c.get("outputs", []) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    shown = "".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("text", "")) for out in outputs.values() for o in out)
    assert "genlab run" in shown and "report:" in shown  # the Run's HTML summary
    assert "accuracy" in shown or "frozen_classifiers" in shown
    assert "'encode', 'generate', 'reconstruct', 'sample'" in shown and "(8, 1, 28, 28) (8, 20)" in shown
    assert any("image/png" in o.get("data", {}) for out in outputs.values() for o in out)
    assert (tmp_path / "conv" / "report.html").is_file()
