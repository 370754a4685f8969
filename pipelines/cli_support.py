"""What every ``hotpapers`` command shares: the one-line error rule."""

from __future__ import annotations

import os
import sys
from typing import Callable, NoReturn

import typer

from pipelines.sources.http import one_line


def fail(message: str) -> NoReturn:
    """End the command with one ``error: …`` line on stderr and exit code 1."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(1)


def run_with_one_line_errors(app: Callable[[], object]) -> None:
    """Run a typer app; anything unexpected still ends as one line (HOTPAPERS_DEBUG=1 shows the traceback)."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 (the last line of defence for the one-line rule)
        if os.environ.get("HOTPAPERS_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {one_line(exc)} (HOTPAPERS_DEBUG=1 shows details)", file=sys.stderr)
        sys.exit(2)
