"""`genlab models`: the registered models (genlab's own and installed plugins'), and one in
full: its params with their allowed values, how it generates, what it can do."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("models", help="list the models a study file may name; `genlab models NAME` for one in full")
    p.add_argument("name", nargs="?", help="a registered model, e.g. dense_vae")
    p.add_argument("--dataset", default="fashion_mnist",
                   help="describe it as built for this dataset's image shape (default fashion_mnist)")
    p.set_defaults(func=_models)


def _models(args) -> int:
    from genlab import registry
    from genlab.data import catalog

    if args.name is None:
        print(registry.listing())
        return 0
    spec = catalog.get(args.dataset)
    shape = spec.shape or (3, 32, 32)  # a folder's shape comes from its files: describe at a common one
    print(registry.details(args.name, shape, len(spec.classes) if spec.classes else None))
    return 0
