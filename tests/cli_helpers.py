"""Helpers shared by test modules (a uniquely named module: importing `conftest` by name
would pick up whichever tests/*/conftest.py pytest loaded first)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Ran(Exception):
    """Raised by the `stop_before_training` fixture where a study's work would start: the
    case passed every check that comes before the run folder."""


def run_cli(*args: str, timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `genlab` CLI in a subprocess (as a user would)."""
    return subprocess.run([sys.executable, "-m", "genlab", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)


def assert_clean_error(result: subprocess.CompletedProcess, fragment: str = "") -> None:
    """Non-zero exit, one `genlab: error:` line on stderr, no traceback."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genlab: error: "), result.stderr
    assert fragment.lower() in lines[0].lower(), lines[0]


def images_loaded_in_chromium(chromium: str, report: Path, tmp_path: Path) -> tuple[int, int]:
    """Open a copy of the report (same folder, so relative paths resolve) with a probe
    script that records how many <img> elements finished loading with real pixels."""
    probe = report.with_name("_chromium_probe.html")
    script = ("<script>window.addEventListener('load',()=>{const i=[...document.images];"
              "document.body.setAttribute('data-loaded',i.filter(x=>x.complete&&x.naturalWidth>0).length+'/'+i.length);});</script>")
    probe.write_text(report.read_text().replace("</body>", script + "</body>"))
    try:
        result = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                 "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'chromium-profile'}",
                                 "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                                capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink(missing_ok=True)
    match = re.search(r'data-loaded="(\d+)/(\d+)"', result.stdout)
    assert match, f"chromium did not render the page: {result.stderr[-500:]}"
    return int(match.group(1)), int(match.group(2))
