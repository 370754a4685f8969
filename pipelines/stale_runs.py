"""Runs a killed `hotpapers` process left behind: marked failed, their pool slots given back.

`hotpapers run` executes in-process. When that process dies mid-run (SIGKILL, out of memory, a
power cut) its Dagster run stays STARTED and keeps any concurrency-pool slot it held (``duckdb``,
``arxiv``), so every later run waits for that slot for ever. Each CLI run is therefore tagged with
its host and process id, and before the next run, runs of this host whose process is gone are
reported failed and their slots freed.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

from pipelines.files import process_running

HOST_TAG, PID_TAG = "hotpapers/host", "hotpapers/pid"
_UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in-process."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail this host's unfinished in-process runs whose process has ended; returns their run ids."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: socket.gethostname()})
    )
    released = []
    for run in runs:
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or process_running(int(pid)):
            continue
        instance.report_run_failed(run, message=f"the process running it (pid {pid}) ended before the run finished")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released
