"""`genlab kitti convert` and `genlab kitti synth`."""
from __future__ import annotations

from pathlib import Path

from genlab.cli import arg_types


def register(sub) -> None:
    p = sub.add_parser("kitti", help="prepare KITTI object data: convert to YOLO layout, or write synthetic scenes")
    cmds = p.add_subparsers(dest="kitti_command", required=True, metavar="ACTION")

    c = cmds.add_parser("convert", help="KITTI training/{image_2,label_2} → YOLO images/, labels/, dataset.yaml")
    c.add_argument("root", type=Path, help="KITTI root: the folder holding training/image_2 and training/label_2")
    c.add_argument("out", type=Path, help="new output folder")
    c.add_argument("--classes", default=None,
                   help="comma-separated classes to keep, e.g. Car (only images containing them); default all but DontCare")
    c.add_argument("--split", type=float, default=0.8, help="training fraction of the seeded train/test split (0.8)")
    c.add_argument("--seed", type=arg_types.seed, default=0)
    c.set_defaults(func=_convert)

    s = cmds.add_parser("synth", help="write synthetic KITTI-format scenes (training/image_2, training/label_2)")
    s.add_argument("out", type=Path)
    s.add_argument("--n", type=int, default=400, help="number of scenes (400)")
    s.add_argument("--seed", type=arg_types.seed, default=0)
    s.add_argument("--size", default="1242x375", help="WIDTHxHEIGHT of the images (1242x375, KITTI's usual size)")
    s.add_argument("--style", default="day", help="look of the scenes: day or dusk (for transfer-learning demos)")
    s.set_defaults(func=_synth)


def _convert(args) -> int:
    from genlab.detect.convert import convert

    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    print(convert(args.root, args.out, classes, args.split, args.seed).summary())
    return 0


def _synth(args) -> int:
    from genlab.detect.synth import SynthOptions, parse_size, write_dataset

    from genlab.runs import check_folder_target

    width, height = parse_size(args.size)
    options = SynthOptions(n=args.n, seed=args.seed, width=width, height=height, style=args.style)
    check_folder_target(args.out, "out", new=True)
    out = write_dataset(args.out, options)
    print(f"wrote {args.n} synthetic KITTI scenes ({args.style}, {width}x{height}) to {out}/training")
    return 0
