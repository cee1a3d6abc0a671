"""`genlab data`: find and verify Fashion-MNIST."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("data", help="where Fashion-MNIST was found, verification, class counts")
    p.add_argument("--data-dir", help="folder with the four IDX files (.gz or raw)")
    p.set_defaults(func=_data)


def _data(args) -> int:
    from genlab.data.describe import describe

    print(describe(args.data_dir))
    return 0
