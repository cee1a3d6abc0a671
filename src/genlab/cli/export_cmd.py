"""`genlab export RUN --format csv|md|tex`."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("export", help="every table of a run's report, and each model's per-epoch metrics, "
                                      "as CSV, Markdown or LaTeX files")
    p.add_argument("run_dir", type=Path, metavar="RUN", help="a run folder written by `genlab run`")
    p.add_argument("--format", choices=("csv", "md", "tex"), default="csv")
    p.add_argument("--out", type=Path, help="folder for the files (default RUN/export/FORMAT)")
    p.set_defaults(func=_export)


def _export(args) -> int:
    from genlab import runs
    from genlab.studies.runner import export_run

    runs.check_run(runs.RunDir(args.run_dir))  # one line if it is not a (sound) run folder
    out = args.out or args.run_dir / "export" / args.format
    runs.check_folder_target(out, "--out")
    for path in export_run(args.run_dir, args.format, out):
        print(path)
    return 0
