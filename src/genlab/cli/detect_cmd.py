"""`genlab detect eval RUN_DIR [--kitti]`: re-evaluate the detectors of a kitti run."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("detect", help="object detection tools")
    cmds = p.add_subparsers(dest="detect_command", required=True, metavar="ACTION")
    e = cmds.add_parser("eval", help="evaluate the trained detectors of a `genlab run kitti` folder on its test split")
    e.add_argument("run_dir", type=Path)
    e.add_argument("--kitti", action="store_true", help="also print the official KITTI Easy/Moderate/Hard AP")
    e.add_argument("--model", action="append", default=None, help="only this model (repeatable); default all evaluated ones")
    e.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    e.set_defaults(func=_eval)


def _eval(args) -> int:
    from genlab.detect.rerun import evaluate_run, format_table

    results = evaluate_run(args.run_dir, args.model, args.device)
    print(format_table(results, kitti=args.kitti))
    return 0
