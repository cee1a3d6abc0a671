"""The `genlab` command. Each command lives in its own module with `register(sub)`;
commands parse arguments and call the library — no logic lives here."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from genlab.errors import GenlabError

# Explicit list of command modules (each defines register(subparsers)).
COMMAND_MODULES = [
    "genlab.cli.run_cmd",
    "genlab.cli.data_cmd",
    "genlab.cli.models_cmd",
    "genlab.cli.bench_cmd",
    "genlab.cli.kitti_cmd",
    "genlab.cli.detect_cmd",
    "genlab.cli.generation_cmd",
    "genlab.cli.experiment_cmd",
    "genlab.cli.export_cmd",
    "genlab.cli.studies_cmd",
    "genlab.cli.log_cmd",
    "genlab.cli.completion_cmd",
]


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in the same one-line form as every other genlab error (exit code 2);
    subcommand parsers inherit this class, and the scripts in benchmarks/ use it too."""

    def error(self, message: str):
        where = self.prog.removeprefix("genlab").strip()  # one `genlab: error:` prefix, then the command
        print(f"genlab: error: {where + ': ' if where else ''}{message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


DESCRIPTION = "Train, evaluate and compare generative models; write a report you can trust."
EPILOG = """start here:
  genlab studies                     the shipped studies and what each runs
  genlab run dense --quick           a first run: minutes on 2 CPU cores -> runs/dense-<timestamp>/report.html
  genlab run dense --dry-run         the plan and an estimate, before anything trains
  genlab COMMAND --help              each command's options
  genlab completion bash             shell completion (eval "$(genlab completion bash)")"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="genlab", description=DESCRIPTION, epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"genlab {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # tensorboard's optional TF import is noisy
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except GenlabError as exc:
        print(f"genlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("genlab: interrupted; finished epochs are checkpointed — rerun with --resume to continue", file=sys.stderr)
        return 130
    return int(result or 0)


def _version() -> str:
    from genlab import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
