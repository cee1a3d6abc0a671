"""`genlab studies [NAME]`: the shipped studies — what each runs and on what — and one in full:
its models, its analyses with their settings, the comparisons it tests."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("studies", help="list the shipped studies; `genlab studies NAME` for one in full "
                                       "(models, analyses and their settings, comparisons)")
    p.add_argument("name", nargs="?", help="a shipped study, e.g. dense")
    p.set_defaults(func=_studies)


def _studies(args) -> int:
    from genlab.studies.catalog import details, listing

    print(listing() if args.name is None else details(args.name))
    return 0
