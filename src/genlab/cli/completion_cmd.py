"""`genlab completion bash|zsh`: a shell completion script for genlab's commands, options and
shipped study names, generated from the parser (so it never lags behind it)."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("completion", help="print a shell completion script: eval \"$(genlab completion bash)\" "
                                          "(zsh: the same, after `autoload -U bashcompinit && bashcompinit`)")
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell (zsh uses the bash script through bashcompinit)")
    p.set_defaults(func=_completion)


def _completion(args) -> int:
    from genlab.cli import build_parser
    from genlab.cli.completion import script

    print(script(build_parser(), args.shell))
    return 0
