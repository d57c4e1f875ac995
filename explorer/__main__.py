"""The ``explorer`` command: ``explorer [PROJECT]`` opens the window (explorer.ui.launch);
``explorer COMMAND ...`` runs a headless command (explorer.cli). Sits above both, which stay
independent of each other."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from explorer.cli import guarded, run  # noqa: PLC0415
    from explorer.cli.parser import needs_window, parse_args  # noqa: PLC0415

    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    if not needs_window(args):
        return run(args)
    from explorer.ui import launch  # noqa: PLC0415

    if args.command == "gui":
        return launch.run_gui(args.project, args.startup_timing)
    if args.command == "screenshot":
        return guarded(lambda: launch.screenshot(args.project, args.output, args.size, args.projection,
                                                 args.color_by, args.select))
    return guarded(lambda: launch.export_image(args.project, args.output, args.size, args.projection))


if __name__ == "__main__":
    raise SystemExit(main())
