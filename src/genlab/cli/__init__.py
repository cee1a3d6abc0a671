"""The `genlab` command. Each command lives in its own module with `register(sub)`;
commands parse arguments and call the library — no logic lives here.

Whatever happens, the user reads one line: a GenlabError's message; a full disk, read-only
target or I/O error anywhere (naming the file); or, for Ctrl-C / SIGTERM at any moment from
the first line of `main` on, what became of the run folder (genlab.interrupts)."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from genlab import interrupts
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
    """`genlab ARGS`; argv None: the process's own arguments (and the process ends after)."""
    restore = interrupts.handle_interrupts()  # SIGTERM as Ctrl-C, from the very start
    try:
        return _main(argv)
    finally:
        if argv is None:
            interrupts.ignore_interrupts()  # the process ends now: atexit handlers run undisturbed
        else:
            restore()  # called in-process (tests, scripts): give the caller its handlers back


def _main(argv: list[str] | None) -> int:
    from genlab.atomic import DISK_ERRNOS, write_error

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # tensorboard's optional TF import is noisy
    try:
        args = build_parser().parse_args(argv)
        result = args.func(args)
    except GenlabError as exc:
        print(f"genlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        interrupts.ignore_interrupts()
        print(f"genlab: {getattr(exc, 'message', 'interrupted')}", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in DISK_ERRNOS:
            raise
        print(f"genlab: error: {write_error(exc.filename or '(a file)', exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("genlab: error: out of memory; lower train.batch_size or the analyses' sample counts, or free memory",
              file=sys.stderr)
        return 2
    return int(result or 0)


def _version() -> str:
    from genlab import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
