"""SIGKILL during ingestion, during a SQL model and during rendering; then the next run recovers.

One data directory meets three kills in a row, each at a random moment (seeded) inside its phase:
``tests/reliability/killer.py`` arms a SIGKILL when the run first writes a path of that phase (the
raw X partition, a model partition, the post) and fires it a random delay later. After every kill
each visible partition and post must be complete and equal to the undisturbed run's, and the
warehouse must open; the run after the last kill must reproduce the undisturbed result exactly.
``HOTPAPERS_KILL_ROUNDS=N`` repeats the three kills N times with new seeds (default 1, for time).
"""

from __future__ import annotations

import os
import random
import re
import signal
from pathlib import Path


from tests.reliability import world
from tests.reliability.outcome import differences, outcome, rows_lost, temp_files, warehouse_views

ROUNDS = int(os.environ.get("HOTPAPERS_KILL_ROUNDS", "1"))
SEED = int(os.environ.get("HOTPAPERS_KILL_SEED", "20261123"))


def phases(data_dir: Path, rng: random.Random) -> list[tuple[str, str, float]]:
    root = re.escape(str(data_dir))
    return [
        ("ingestion", rf"^{root}/raw/x_tweets/.*\.tmp$", rng.uniform(0.0, 0.03)),
        ("sql model", rf"^{root}/models/", rng.uniform(0.2, 3.0)),
        ("rendering", rf"^{root}/digests/.*\.tmp$", rng.uniform(0.0, 0.005)),
    ]


def assert_consistent(data_dir: Path, expected: dict, context: str) -> None:
    """Whatever is visible is whole: every partition and post equals the undisturbed run's version."""
    visible = outcome(data_dir)  # raises if any visible Parquet file is incomplete
    wrong = [name for name, value in visible.items() if expected.get(name) != value]
    assert wrong == [], f"{context}: partial or foreign partitions {wrong}"
    if (data_dir / "warehouse.duckdb").exists():
        warehouse_views(data_dir)  # opens, and every view reads


def test_runs_killed_in_each_phase_leave_whole_data_and_the_next_run_recovers(
    baseline_outcome, tmp_path, written, tally
) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(SEED)
    kills = 0
    with world.serve() as api:
        env = world.live_env(api)
        for round_ in range(ROUNDS):
            for phase, pattern, delay in phases(data_dir, rng):
                context = f"kill during {phase} (round {round_}, seed {SEED}, {delay:.3f} s after {pattern})"
                process = world.hotpapers_run(
                    data_dir, {**env, "HP_KILL_ON": pattern, "HP_KILL_AFTER": f"{delay:.4f}"},
                    launcher=["-m", "tests.reliability.killer"],
                )
                run = world.finish(process)
                written.add(data_dir, run=run)
                assert run.returncode == -signal.SIGKILL, f"{context}: the run was not killed: {run.stderr}"
                kills += 1
                tally.add(faults=1)
                assert_consistent(data_dir, baseline_outcome, context)
        recovery = world.finish(world.hotpapers_run(data_dir, env))
    written.add(data_dir, run=recovery)
    assert recovery.returncode == 0, recovery.stderr
    got = outcome(data_dir)
    lost = rows_lost(baseline_outcome, got)
    tally.add(rows_lost=lost, recovered=kills if got == baseline_outcome else 0)
    assert got == baseline_outcome, differences(baseline_outcome, got)
    assert temp_files(data_dir) == []  # what the killed runs left half-written was swept
