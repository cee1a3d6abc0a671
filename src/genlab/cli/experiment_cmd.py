"""`genlab sweep STUDY --vary KEY=V1,V2` and `genlab compare A B ...`."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    from genlab.cli.run_cmd import add_experiment_arguments, add_study_arguments

    p = sub.add_parser("sweep", help="run a study over values of one or more settings (a grid), with seeds; "
                                     "one report with each metric against the varied value")
    add_study_arguments(p)
    add_experiment_arguments(p)
    p.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...", required=True,
                   help="a setting and its values, e.g. models.ae64.params.latent_dim=2,8,32 (repeat for a grid)")
    p.set_defaults(func=_sweep)

    c = sub.add_parser("compare", help="runs or experiments side by side: config differences, shared metrics "
                                       "(mean ± 95%% CI), as HTML and CSV")
    c.add_argument("folders", nargs="+", type=Path, help="run folders or experiment folders")
    c.add_argument("--out", type=Path, help="folder for report.html and compare.csv (default: runs/compare-<timestamp> under "
                                        "the current folder)")
    c.set_defaults(func=_compare)


def _sweep(args) -> int:
    from genlab.cli.run_cmd import check_common, run_experiment
    from genlab.experiments.plan import parse_vary

    overrides = check_common(args)
    return run_experiment(args, overrides, parse_vary(args.vary))


def _compare(args) -> int:
    from genlab import runs
    from genlab.experiments import compare

    compare.check_inputs(args.folders)
    out = args.out or runs.default_out("compare")
    runs.check_out(out, False, resumable=False)  # compare has no --resume: never advise it
    print(compare.write(args.folders, out))
    return 0
