"""Write the generated reference pages (study file, models, command line) from the code.

    python docs/gen_reference.py            # rewrite docs/reference/*.md
    python docs/gen_reference.py --check    # exit 1 if a committed page is out of date (CI)
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent / "reference"


def pages() -> dict[str, str]:
    from genlab.cli import build_parser
    from genlab.studies import reference_page

    return {"study-file.md": reference_page.study_file(), "models.md": reference_page.models(),
            "cli.md": reference_page.cli(build_parser())}


def main(argv: list[str]) -> int:
    stale = []
    for name, text in pages().items():
        path = HERE / name
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"written {path}")
    if stale:
        print(f"docs/reference out of date: {', '.join(stale)}; run python docs/gen_reference.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
