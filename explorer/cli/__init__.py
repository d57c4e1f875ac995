"""The headless commands: argument parsing (parser.py) and printing only; the work is done by
explorer.actions. Each ``cmd_*`` takes parsed arguments, prints results on stdout (machine-readable
where a format is asked for), progress on stderr, and fails with one line (ActionError)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from explorer.actions import ActionError

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def _commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    from explorer.cli import analysis, project, quality  # noqa: PLC0415

    return {"import": project.cmd_import, "info": project.cmd_info, "project": project.cmd_project,
            "export": project.cmd_export, "index": project.cmd_index,
            "neighbors": analysis.cmd_neighbors, "neighbours": analysis.cmd_neighbors,
            "analogy": analysis.cmd_analogy, "analogy-eval": analysis.cmd_analogy_eval,
            "weat": analysis.cmd_weat, "direction": analysis.cmd_direction, "clusters": analysis.cmd_clusters,
            **quality.COMMAND_FUNCTIONS}


def guarded(run: Callable[[], int]) -> int:
    """Run a command: an ActionError becomes one line on stderr and exit status 1."""
    try:
        status = run()
        sys.stdout.flush()  # a reader that stopped early shows here, not as a traceback at exit
        return status
    except BrokenPipeError:  # `explorer info P | head -2`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ActionError as err:
        print(f"explorer: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("explorer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless command (on the embedding set its --set names, if any)."""
    from explorer.cli import common  # noqa: PLC0415

    common.chosen_set = getattr(args, "set", None)
    return guarded(lambda: _commands()[args.command](args))


def main(argv: list[str] | None = None) -> int:
    """The headless commands alone (``explorer`` itself is explorer.__main__, which also opens the
    window)."""
    from explorer.cli.parser import needs_window, parse_args  # noqa: PLC0415

    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    if needs_window(args):
        print(f"explorer: error: {args.command} needs the window; run it with `explorer`", file=sys.stderr)
        return EXIT_FAILED
    return run(args)
