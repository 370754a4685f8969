"""Shared fixtures: the `hotpapers` CLI in a subprocess, and one sample run shared by the session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE_DATES = ["2021-06-04", "2020-07-09"]


def hotpapers(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_HOME", "HF_", "HN_", "BSKY_"))}
    full_env.update({"HOTPAPERS_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("sample-data")
    for listing_date in SAMPLE_DATES:
        result = hotpapers("run", "--date", listing_date, data_dir=data_dir)
        assert result.returncode == 0, result.stderr
        assert f"Hot Papers {listing_date} (sample)" in result.stdout
    return data_dir


