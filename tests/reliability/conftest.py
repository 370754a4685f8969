"""The reliability suite's tally: each test counts what it actually did; one summary line at the end.

``python -m pytest tests/reliability -q`` (or the whole suite) prints, after the results::

    reliability: faults injected N, bad inputs tried N, runs recovered N, rows lost 0, secrets leaked 0

Faults are counted where they happen (a fault response served by the loopback server, a SIGKILL that
landed, a write refused by a full disk); bad inputs as each case or fuzzed body is tried; runs
recovered are `hotpapers run`s that gave the undisturbed result after faults (a killed run counts
once its successor did); rows lost and secrets leaked are measured, not assumed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.loopback import (
    ARXIV_PATH,
    X_SEARCH_PATH,
    atom_feed,
    atom_response,
    connection_reset,
    error,
    json_response,
    with_fault,
)
from tests.reliability import world
from tests.reliability.outcome import outcome
from tests.reliability.secrets_scan import scan

FIGURES = {
    "faults": "faults injected",
    "bad_inputs": "bad inputs tried",
    "recovered": "runs recovered",
    "rows_lost": "rows lost",
    "secrets_leaked": "secrets leaked",
}


class Tally:
    """Session-wide counters the tests add to (``tally.add(faults=3)``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.used = False

    def add(self, **amounts: int) -> None:
        unknown = set(amounts) - set(FIGURES)
        assert not unknown, f"unknown figures: {unknown}"
        self.used = True
        self.counts.update({name: int(n) for name, n in amounts.items()})

    def line(self) -> str:
        return "reliability: " + ", ".join(f"{label} {self.counts[name]}" for name, label in FIGURES.items())


TALLY = Tally()


@pytest.fixture
def tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.used:
        terminalreporter.write_line(TALLY.line())


# --- CLI runs shared by the suite -----------------------------------------------------------------


class Written:
    """Everything the suite's CLI runs wrote or printed: the secret scan searches all of it."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.outputs: list[str] = []
        self.hits: list[str] = []  # found in folders scanned early (a tmpfs that is unmounted)
        self.kinds: Counter[str] = Counter()

    def scan_now(self, folder: Path) -> None:
        """Search a folder that will not outlive its test (e.g. a tmpfs) right away."""
        hits, kinds = scan([folder])
        self.hits.extend(hits)
        self.kinds.update(kinds)

    def add(self, *folders: Path, run: "world.Run | None" = None) -> None:
        self.folders.extend(folders)
        if run is not None:
            self.outputs.extend([run.stdout, run.stderr])


WRITTEN = Written()


@pytest.fixture(scope="session")
def written() -> Written:
    return WRITTEN


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One undisturbed `hotpapers run --source live` of the world: what every disturbed run must reproduce."""
    data_dir = tmp_path_factory.mktemp("baseline") / "data"
    with world.serve() as api:
        run = world.finish(world.hotpapers_run(data_dir, world.live_env(api)))
    WRITTEN.add(data_dir, run=run)
    assert run.returncode == 0, run.stderr
    return data_dir


@pytest.fixture(scope="session")
def baseline_outcome(baseline: Path) -> dict:
    return outcome(baseline)


@dataclass
class FaultyRun:
    data_dir: Path
    run: world.Run
    faults: int
    requests: dict[str, int]


@pytest.fixture(scope="session")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> FaultyRun:
    """The same run with a fault on each page of each source, every one survivable by a retry."""
    data_dir = tmp_path_factory.mktemp("faulty") / "data"
    api = world.serve()
    arxiv_ok = world.arxiv_ok()
    empty_second_page = replace(
        atom_response(atom_feed([], total_results=len(world.ENTRIES), start_index=4, items_per_page=4)), fault="empty page"
    )
    api.enqueue(ARXIV_PATH, connection_reset(), arxiv_ok, empty_second_page, arxiv_ok,
                with_fault(arxiv_ok, cut_after=300), arxiv_ok)
    api.enqueue(X_SEARCH_PATH, error(503), error(429, retry_after=1), world.x_responder,
                with_fault(world.x_responder, cut_after=50, send_length=False), world.x_responder)
    api.enqueue(world.HF_PATH, error(502))
    api.enqueue(world.HN_PATH, with_fault(world.empty_json(world.HN_EMPTY), delay=1.5))  # HOTPAPERS_HTTP_TIMEOUT_SECONDS=1
    with api:
        run = world.finish(world.hotpapers_run(data_dir, world.live_env(api)))
        requests = {path: len(api.requests_to(path)) for path in (ARXIV_PATH, X_SEARCH_PATH, world.HF_PATH, world.HN_PATH)}
        pending = {path: api.pending(path) for path in requests}
    WRITTEN.add(data_dir, run=run)
    TALLY.add(faults=api.faults_served)
    assert pending == dict.fromkeys(requests, 0), f"not every scripted fault was met: {pending}"
    return FaultyRun(data_dir, run, api.faults_served, requests)


@dataclass
class FailedRun:
    data_dir: Path
    dagster_home: Path
    run: world.Run
    before: dict
    after: dict
    authorizations: set[str]


@pytest.fixture(scope="session")
def failed_run(faulty_run: FaultyRun, tmp_path_factory: pytest.TempPathFactory) -> FailedRun:
    """A run over the faulty run's good data in which arXiv and X fail for good (X echoing the token)."""
    dagster_home = tmp_path_factory.mktemp("dagster_home")
    api = world.serve()
    api.default(ARXIV_PATH, with_fault(world.arxiv_ok(), cut_after=200))
    api.default(X_SEARCH_PATH, json_response({"title": f"Service Unavailable for Bearer {world.MARKER}"}, status=503))
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    before = outcome(faulty_run.data_dir)
    with api:
        env = world.live_env(api, DAGSTER_HOME=str(dagster_home))
        run = world.finish(world.hotpapers_run(faulty_run.data_dir, env, "--refresh-listing"))
        authorizations = {r.headers.get("authorization") for r in api.requests_to(X_SEARCH_PATH)}
    WRITTEN.add(faulty_run.data_dir, dagster_home, run=run)
    TALLY.add(faults=api.faults_served)
    return FailedRun(faulty_run.data_dir, dagster_home, run, before, outcome(faulty_run.data_dir), authorizations)
