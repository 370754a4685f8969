"""Runs the `hotpapers` CLI and SIGKILLs it at a chosen point, for the process-kill tests.

``HP_KILL_ON`` is a regex over the paths the process opens for writing or renames onto (Python's
audit events ``open`` and ``os.rename``); at the first match a timer sends SIGKILL to the process
itself after ``HP_KILL_AFTER`` seconds (0: at once, before the open or rename happens). The CLI runs
unchanged: the hook only watches. Usage: ``python -m tests.reliability.killer run --source live ...``.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading


def install(pattern: str, after: float) -> None:
    wanted = re.compile(pattern)
    fired = threading.Event()

    def hook(event: str, args: tuple) -> None:
        if fired.is_set() or event not in ("open", "os.rename"):
            return
        if event == "open" and not _writes(*args[1:3]):
            return
        path = str(args[0] if event == "open" else args[1])
        if wanted.search(path):
            fired.set()
            if after <= 0:
                os.kill(os.getpid(), signal.SIGKILL)
            threading.Timer(after, os.kill, (os.getpid(), signal.SIGKILL)).start()

    sys.addaudithook(hook)


def _writes(mode: str | None, flags: int) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


if __name__ == "__main__":
    install(os.environ["HP_KILL_ON"], float(os.environ.get("HP_KILL_AFTER", "0")))
    from pipelines.cli import main

    sys.argv = ["hotpapers", *sys.argv[1:]]
    main()
