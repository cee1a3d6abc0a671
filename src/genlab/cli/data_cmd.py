"""`genlab data`: the datasets genlab reads, where each is found, and one described in full;
`genlab data export`: write a dataset out as an image folder or an npz."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("data", help="datasets: where each is found, verification, class counts; export")
    p.add_argument("--dataset", help="describe one dataset (fashion_mnist, mnist, kmnist, cifar10, image_folder, npz)")
    p.add_argument("--data-dir", help="the folder or file holding it (data.root); alone: describes fashion_mnist there")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="another data option, e.g. --set image_size=32 (see `data:` in a study file)")
    p.set_defaults(func=_data)
    actions = p.add_subparsers(dest="data_command", metavar="ACTION")
    e = actions.add_parser("export", help="write a dataset as an image folder or an npz (index-numbered, same order)")
    e.add_argument("dataset", help="the dataset to export (a data.dataset key)")
    e.add_argument("out", help="the new folder (image_folder) or .npz file to write")
    e.add_argument("--as", dest="fmt", required=True, choices=("image_folder", "npz"), help="the format to write")
    e.add_argument("--data-dir", default=argparse.SUPPRESS, help="where the dataset is (data.root)")
    e.add_argument("--set", action="append", default=argparse.SUPPRESS, metavar="KEY=VALUE", help="a data option")
    e.set_defaults(func=_export)


def _config(dataset: str | None, data_dir: str | None, sets: list[str]):
    from genlab.config import DataConfig, from_dict, parse_override

    raw = {"dataset": "fashion_mnist" if dataset is None else dataset}  # '' is a typo, refused by the catalog
    if data_dir:
        raw["root"] = data_dir
    for item in sets:
        key, value = parse_override(item)
        raw[key.removeprefix("data.")] = value
    return from_dict(DataConfig, raw, "data")


def _data(args) -> int:
    from genlab.data.describe import describe, describe_all

    if args.dataset is None and args.data_dir is None and not args.set:
        print(describe_all())
    else:
        print(describe(_config(args.dataset, args.data_dir, args.set)))
    return 0


def _export(args) -> int:
    from genlab.data import load
    from genlab.data.export import export, target

    target(args.out, args.fmt)  # an existing target is refused before anything is loaded
    data = load(_config(args.dataset, getattr(args, "data_dir", None), getattr(args, "set", [])))
    out = export(data, args.out, args.fmt)
    print(f"wrote {len(data.train_labels):,} training and {len(data.test_labels):,} test images of {data.title} "
          f"to {out} ({args.fmt}); identity {data.identity}")
    print(f"read it back: genlab data --dataset {args.fmt} --data-dir {out}")
    return 0
