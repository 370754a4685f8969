"""One listing date through Dagster, in-process: what `hotpapers run` and `hotpapers backfill` share.

Both use the same persistent instance (so the ``duckdb`` pool serializes warehouse writers across
processes and the UI shows CLI runs), the same asset selection and the same one-line failure text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

import dagster as dg

from pipelines.config import Settings
from pipelines.rawstore import partition_path
from pipelines.resources import HotPapersResource
from pipelines.sources.http import one_line
from pipelines.stale_runs import process_tags, release_dead_runs

LISTING_ASSET = dg.AssetKey("raw_arxiv__papers")


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME when set, else the data directory's own (``<data>/dagster``).

    Either way it persists, so concurrent runs share the ``duckdb`` pool and `dagster dev` (which
    uses ./data/dagster by default, see dagster.yaml) shows the CLI's runs.
    """
    if os.environ.get("DAGSTER_HOME"):
        instance = dg.DagsterInstance.get()
    else:
        home = settings.data_dir / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        instance = dg.DagsterInstance.local_temp(
            tempdir=str(home.resolve()),
            overrides={"concurrency": {"pools": {"default_limit": 1}}, "telemetry": {"enabled": False}},
        )
    release_dead_runs(instance)  # a killed run would otherwise hold its pool slot for ever
    return instance


def first_failure(result: dg.ExecuteInProcessResult) -> str:
    """Why a run failed, as one line: the blocking checks that failed, else the first failed step."""
    failed_checks = [
        e for e in result.get_asset_check_evaluations() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    if failed_checks:
        names = ", ".join(
            f"{e.asset_key.to_user_string()}:{e.check_name}" + _failing_rows(e) for e in failed_checks
        )
        return f"blocking check failed: {names}; the assets downstream of it were not built"
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
                error = error.cause
            message = re.sub(rf"^(\w+\.)*{error.cls_name}: ", "", " ".join(error.message.split()))
            return f"{message} (in {event.step_key})"
    return "the run failed"


def _failing_rows(evaluation: dg.AssetCheckEvaluation) -> str:
    rows = evaluation.metadata.get("failing_rows")
    if rows is None:
        return ""
    return f" ({rows.value} failing row{'' if rows.value == 1 else 's'})"


def materialize_listing(
    defs: dg.Definitions,
    selection: list[dg.AssetKey],
    listing_date: date,
    source: str,
    instance: dg.DagsterInstance,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],  # type: ignore[misc]
        selection=dg.AssetSelection.assets(*selection),
        partition_key=listing_date.isoformat(),
        resources={"hotpapers": HotPapersResource(source=source)},
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        raise_on_error=False,
        tags={"hotpapers/source": source, **process_tags(), **(tags or {})},
    )


def executable_asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    """Every asset a run can materialize (not the external sources a model merely reads), sorted."""
    graph = defs.resolve_asset_graph()
    return sorted((k for k in graph.get_all_asset_keys() if graph.get(k).is_executable), key=lambda k: k.to_user_string())


@dataclass(frozen=True)
class ListingRun:
    """How building one listing date went: ``failure`` is None on success."""

    listing_date: date
    listing_kept: bool
    failure: str | None
    run_id: str | None


def build_listing_date(
    settings: Settings,
    listing_date: date,
    source: str,
    instance: dg.DagsterInstance,
    *,
    refresh_listing: bool = False,
    tags: dict[str, str] | None = None,
) -> ListingRun:
    """Materialize everything the digest of ``listing_date`` needs; an ingested listing is kept
    (no arXiv request) unless ``refresh_listing``."""
    from pipelines.definitions import defs  # imported late: loading assets parses every SQL model

    selection = executable_asset_keys(defs)
    listing_kept = partition_path(settings.raw_dir, "arxiv_papers", listing_date).exists() and not refresh_listing
    if listing_kept:
        selection.remove(LISTING_ASSET)
    try:
        result = materialize_listing(defs, selection, listing_date, source, instance, tags)
    except dg.DagsterError as exc:
        return ListingRun(listing_date, listing_kept, one_line(exc), None)
    failure = None if result.success else first_failure(result)
    return ListingRun(listing_date, listing_kept, failure, result.run_id)
