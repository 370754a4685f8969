"""The Dagster instance configs: the local default (./dagster.yaml) and the production variant
(docs/dagster.production.yaml), checked against Dagster's own instance schema and loaded into a real
instance. Postgres is not needed: the production file is validated as written, then instantiated
with its storage swapped for SQLite, so the run queue, pools and monitoring are Dagster's reading of it.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.config import pg_config

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = REPO / "docs" / "dagster.production.yaml"
LOCAL = REPO / "dagster.yaml"
PG_VARIABLES = ["DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD"]


def validated(tmp_path: Path, config: dict) -> dict:
    """Dagster's validation of an instance dagster.yaml (what `dagster-daemon` does on start)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    value, _ = dagster_instance_config(str(home))
    return value


def test_production_config_is_a_valid_instance_config(tmp_path: Path) -> None:
    config = yaml.safe_load(PRODUCTION.read_text())
    value = validated(tmp_path, config)
    postgres = value["storage"]["postgres"]["postgres_db"]
    # every connection setting, the password included, comes from the environment
    assert postgres == {
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "port": {"env": "DAGSTER_PG_PORT"},
        "db_name": {"env": "DAGSTER_PG_DB"},
        "username": {"env": "DAGSTER_PG_USERNAME"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
    }


def test_the_validation_can_fail(tmp_path: Path) -> None:
    """A misspelt key, or run limits in both places, is refused: the test above proves something."""
    config = yaml.safe_load(PRODUCTION.read_text())
    config["storage"]["postgres"]["postgres_db"]["pasword"] = config["storage"]["postgres"]["postgres_db"].pop("password")
    with pytest.raises(DagsterInvalidConfigError):
        validated(tmp_path, config)
    config = yaml.safe_load(PRODUCTION.read_text())
    config["run_coordinator"]["config"]["max_concurrent_runs"] = 9
    with pytest.raises(DagsterInvalidConfigError, match="max_concurrent_runs"):
        validated(tmp_path, config)


def test_postgres_credentials_resolve_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = yaml.safe_load(PRODUCTION.read_text())["storage"]["postgres"]
    for name in PG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    missing = process_config(pg_config(), config)
    assert not missing.success and "DAGSTER_PG" in str(missing.errors)
    values = {"DAGSTER_PG_HOST": "db.internal", "DAGSTER_PG_PORT": "5433", "DAGSTER_PG_DB": "dagster",
              "DAGSTER_PG_USERNAME": "hotpapers", "DAGSTER_PG_PASSWORD": "s3cret"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    resolved = process_config(pg_config(), config)
    assert resolved.success, resolved.errors
    db = resolved.value["postgres_db"]
    assert (db["hostname"], db["port"], db["db_name"], db["username"], db["password"]) == (
        "db.internal", 5433, "dagster", "hotpapers", "s3cret",
    )
    assert "s3cret" not in PRODUCTION.read_text()


def test_production_queue_and_pools_as_dagster_reads_them(tmp_path: Path) -> None:
    config = yaml.safe_load(PRODUCTION.read_text())
    config["storage"] = {"sqlite": {"base_dir": str(tmp_path / "storage")}}  # everything else as written
    validated(tmp_path, config)
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "home")))
    try:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        concurrency = instance.get_concurrency_config()
        queue = concurrency.run_queue_config
        assert queue.max_concurrent_runs == 4
        limits = {(limit["key"], str(limit.get("value"))): limit["limit"] for limit in queue.tag_concurrency_limits}
        assert limits == {
            ("dagster/backfill", "None"): 2,
            ("dagster/partition", "{'applyLimitPerUniqueValue': True}"): 1,
        }
        pools = concurrency.pool_config
        assert pools.default_pool_limit == 1 and pools.pool_granularity.value == "op"
        assert pools.op_granularity_run_buffer == 1
        assert instance.run_monitoring_enabled
        # the duckdb pool: one slot for all runs, so two warehouse writers never overlap
        instance.event_log_storage.initialize_concurrency_limit_to_default("duckdb")
        assert instance.event_log_storage.get_concurrency_info("duckdb").slot_count == 1
    finally:
        instance.dispose()


def test_local_config_needs_nothing_installed(tmp_path: Path) -> None:
    config = yaml.safe_load(LOCAL.read_text())
    value = validated(tmp_path, config)
    assert value["storage"] == {"sqlite": {"base_dir": "data/dagster"}}
    assert value["concurrency"]["pools"]["default_limit"] == 1
    config["storage"] = {"sqlite": {"base_dir": str(tmp_path / "storage")}}
    validated(tmp_path, config)
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "home")))
    try:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    finally:
        instance.dispose()
