"""Orchestration and inspection through the real Dagster UI server.

`dagster dev` (webserver + daemon) runs on loopback with a throwaway instance and data directory. Over
its GraphQL API: every asset, asset check and the schedule are served; a run of `hot_papers_daily` for
the sample listing date is launched, dequeued by the daemon and succeeds. Then headless Chromium
renders the global asset lineage and the asset pages; screenshots land in test-artifacts/ui/.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import dagster as dg
import pytest

from tests.dagster_server import REPO_ROOT, DagsterServer, Page, dagster_dev, render_page

PARTITION = "2021-06-04"
JOB = "hot_papers_daily"
SCHEDULE = "daily_hot_papers"
RUN_TIMEOUT_SECONDS = 240
ARTIFACTS = REPO_ROOT / "test-artifacts" / "ui"

# Text the Dagster UI shows when a page or a query broke (error boundaries, GraphQL and load errors).
SITE_ASSET, SITE_JOB = "hot_papers_site", "render_site"
UI_ERROR = re.compile(
    r"something went wrong|unexpected error|graphql error|error occurred|failed to load|pythonerror|"
    r"traceback|not found|no assets were found|no run found|does not exist|\berrors?\b",
    re.I,
)


# --------------------------------------------------------------------------------------------------
# what the code location defines


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


@pytest.fixture(scope="module")
def expected(defs: dg.Definitions) -> dict:
    specs = list(defs.resolve_all_asset_specs())
    return {
        "assets": {s.key.to_user_string(): s for s in specs},
        "checks": {f"{k.asset_key.to_user_string()}:{k.name}" for k in defs.resolve_asset_graph().asset_check_keys},
        # the checks a run of the daily job evaluates (the freshness check has its own job and schedule)
        "job_checks": {
            f"{k.asset_key.to_user_string()}:{k.name}"
            for k in defs.resolve_job_def(JOB).asset_layer.asset_graph.asset_check_keys
        },
        "schedules": {s.name: s for s in defs.schedules or []},
        "groups": sorted({s.group_name for s in specs if s.group_name}),
    }


# --------------------------------------------------------------------------------------------------
# the server and one run of the sample partition through it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterServer]:
    """`dagster dev` for this module; stopped (its whole process group) even when a test fails."""
    workdir = tmp_path_factory.mktemp("dagster-dev")
    try:
        with dagster_dev(workdir, ready_timeout=45) as server:
            yield server
    finally:
        log = workdir / "dagster-dev.log"
        if log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, ARTIFACTS / "dagster-dev.log")


def location(server: DagsterServer) -> tuple[str, str]:
    data = server.graphql(
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    )
    nodes = data["repositoriesOrError"]["nodes"]
    assert len(nodes) == 1, f"expected one repository, got {nodes}"
    return nodes[0]["location"]["name"], nodes[0]["name"]


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on UnauthorizedError { message }
  }
}
"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName tags { key value } startTime endTime }
    ... on PythonError { message }
  }
}
"""

RUN_ERRORS = """
query RunEvents($runId: ID!, $cursor: String) {
  runOrError(runId: $runId) {
    ... on Run {
      eventConnection(afterCursor: $cursor) {
        cursor
        hasMore
        events {
          __typename
          ... on MessageEvent { message level stepKey }
          ... on ErrorEvent { error { message errorChain { error { message } } } }
        }
      }
    }
  }
}
"""


def run_errors(server: DagsterServer, run_id: str) -> str:
    lines, cursor = [], None
    for _ in range(50):
        connection = server.graphql(RUN_ERRORS, {"runId": run_id, "cursor": cursor})["runOrError"]["eventConnection"]
        for event in connection["events"]:
            error = event.get("error") or {}
            if error or event["__typename"].endswith("FailureEvent"):
                chain = [error.get("message") or ""] + [c["error"]["message"] for c in error.get("errorChain") or []]
                causes = "\n    ".join(m.strip() for m in chain if m and m.strip())
                lines.append(f"{event['__typename']} {event.get('stepKey') or ''}: {event.get('message')}\n    {causes}")
        cursor = connection["cursor"]
        if not connection["hasMore"]:
            break
    return "\n".join(lines) or "(no error events)"


@pytest.fixture(scope="module")
def sample_run(server: DagsterServer) -> dict:
    """Launch `hot_papers_daily` for the sample partition (queued; the daemon starts it) and wait."""
    location_name, repository_name = location(server)
    params = {
        "selector": {"repositoryLocationName": location_name, "repositoryName": repository_name, "jobName": JOB},
        "runConfigData": {},
        "mode": "default",
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITION}]},
    }
    launched = server.graphql(LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", f"launchRun failed: {launched}"
    run_id = launched["run"]["runId"]

    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    status = launched["run"]["status"]
    while time.monotonic() < deadline:
        run = server.graphql(RUN, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", f"run {run_id}: {run}"
        status = run["status"]
        if status == "SUCCESS":
            return run
        if status in ("FAILURE", "CANCELED"):
            pytest.fail(f"run {run_id} of {JOB} for {PARTITION}: {status}\n{run_errors(server, run_id)}")
        time.sleep(1)
    hint = " (still QUEUED: is the daemon dequeuing runs?)" if status == "QUEUED" else ""
    pytest.fail(
        f"run {run_id} of {JOB} for {PARTITION} not finished after {RUN_TIMEOUT_SECONDS} s: {status}{hint}\n"
        f"{run_errors(server, run_id)}\n--- dagster dev log ---\n{server.log_tail()}"
    )


# --------------------------------------------------------------------------------------------------
# GraphQL: definitions


ASSET_NODES = """
{
  assetNodes {
    assetKey { path }
    groupName
    description
    isPartitioned
    jobNames
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name blocking description } }
    }
  }
}
"""

SCHEDULES = """
query Schedules($selector: RepositorySelector!) {
  schedulesOrError(repositorySelector: $selector) {
    __typename
    ... on Schedules { results { name cronSchedule executionTimezone pipelineName description } }
    ... on PythonError { message }
  }
}
"""


def test_server_serves_every_asset_check_and_the_schedule(server: DagsterServer, expected: dict) -> None:
    nodes = {"/".join(n["assetKey"]["path"]): n for n in server.graphql(ASSET_NODES)["assetNodes"]}
    assert sorted(nodes) == sorted(expected["assets"])
    for key, spec in expected["assets"].items():
        node = nodes[key]
        assert node["groupName"] == spec.group_name, key
        assert node["isPartitioned"] == (spec.partitions_def is not None), key
        assert node["description"], f"{key} has no description in the UI"
        job = SITE_JOB if key == SITE_ASSET else JOB  # the site renders once a tick, in its own job
        assert job in node["jobNames"], f"{key} is not in job {job}: {node['jobNames']}"

    served_checks = set()
    for key, node in nodes.items():
        checks = node["assetChecksOrError"]
        assert checks["__typename"] == "AssetChecks", f"{key}: {checks}"
        served_checks |= {f"{key}:{c['name']}" for c in checks["checks"]}
    assert served_checks == expected["checks"]
    assert "digest_daily:unique_rank" in served_checks

    location_name, repository_name = location(server)
    assert location_name == "pipelines.definitions", "`dagster dev` should find the code via [tool.dagster]"
    selector = {"repositoryLocationName": location_name, "repositoryName": repository_name}
    schedules = server.graphql(SCHEDULES, {"selector": selector})["schedulesOrError"]
    assert schedules["__typename"] == "Schedules", schedules
    served = {s["name"]: s for s in schedules["results"]}
    assert set(served) == set(expected["schedules"])
    schedule = served[SCHEDULE]
    definition = expected["schedules"][SCHEDULE]
    assert schedule["pipelineName"] == JOB
    assert schedule["cronSchedule"] == definition.cron_schedule
    assert schedule["executionTimezone"] == definition.execution_timezone


# --------------------------------------------------------------------------------------------------
# GraphQL: a run through the daemon


def materializations_query(keys: list[str]) -> str:
    fields = "\n".join(
        f'a{i}: assetOrError(assetKey: {{path: ["{key}"]}}) {{ __typename ... on Asset {{ '
        f"assetMaterializations(limit: 20) {{ runId partition }} }} }}"
        for i, key in enumerate(keys)
    )
    return "{\n" + fields + "\n}"


CHECK_EXECUTIONS = """
query Check($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 10) {
    runId status partition evaluation { success severity }
  }
}
"""


def test_sample_partition_materializes_through_the_daemon(
    server: DagsterServer, sample_run: dict, expected: dict
) -> None:
    run_id = sample_run["runId"]
    assert sample_run["status"] == "SUCCESS"
    assert sample_run["jobName"] == JOB
    assert {"key": "dagster/partition", "value": PARTITION} in sample_run["tags"]

    keys = sorted(k for k in expected["assets"] if k != SITE_ASSET)  # the site is not in the daily job
    data = server.graphql(materializations_query(keys))
    for i, key in enumerate(keys):
        asset = data[f"a{i}"]
        assert asset["__typename"] == "Asset", f"{key}: no materialization at all ({asset['__typename']})"
        ours = [m for m in asset["assetMaterializations"] if m["runId"] == run_id]
        partitioned = expected["assets"][key].partitions_def is not None
        assert ours, f"{key} was not materialized by run {run_id}"
        assert ours[0]["partition"] == (PARTITION if partitioned else None), f"{key}: {ours}"

    failed = []
    assert "raw_arxiv__papers:newest_listing_is_current" not in expected["job_checks"]
    assert "digest_daily:papers_belong_to_listing" in expected["job_checks"]
    for check in sorted(expected["job_checks"]):
        asset_key, name = check.split(":")
        executions = server.graphql(CHECK_EXECUTIONS, {"assetKey": {"path": [asset_key]}, "checkName": name})
        ours = [e for e in executions["assetCheckExecutions"] if e["runId"] == run_id]
        assert ours, f"check {check} did not run in {run_id}"
        result = ours[0]
        severity = (result["evaluation"] or {}).get("severity")
        if result["status"] != "SUCCEEDED" and severity != "WARN":
            failed.append(f"{check}: {result}")
    assert not failed, "asset checks failed:\n" + "\n".join(failed)

    post = server.data_dir / "digests" / f"hot-papers-{PARTITION}.md"
    assert post.is_file(), f"{post} not written"
    assert PARTITION in post.read_text()
    assert (server.data_dir / "warehouse.duckdb").is_file()
    # The run history went to the temporary storage, not into the repo.
    assert any(server.storage_dir.iterdir()), f"nothing in {server.storage_dir}"


# --------------------------------------------------------------------------------------------------
# the UI in headless Chromium


def assert_rendered(page: Page, *must_show: str, our_texts: tuple[str, ...] = ()) -> None:
    """No error on the page (our own texts, e.g. asset descriptions naming a status "not found", aside)."""
    text = page.text
    searched = text
    for ours in our_texts:
        searched = searched.replace(ours, " ")
    error = UI_ERROR.search(searched)
    context = searched[max(0, error.start() - 200) : error.end() + 200] if error else ""
    assert not error, f"{page.url} shows an error: …{context}… (screenshot: {page.screenshot})"
    missing = [s for s in must_show if s not in text]
    assert not missing, f"{page.url} does not show {missing} (still loading?); it shows: {text[:1500]}"


def graph_label_matches(label: str, name: str) -> bool:
    """The graph shortens long names (`int_twe…_to_papers`)."""
    if label == name:
        return True
    head, sep, tail = label.partition("…")
    return bool(sep) and name.startswith(head) and name.endswith(tail) and len(head) + len(tail) >= 6


def test_ui_pages_render(server: DagsterServer, sample_run: dict, expected: dict, tmp_path: Path) -> None:
    profile = tmp_path / "chromium"

    # (a) The global asset lineage, every group expanded (`global@global:<group>` is the UI's group id),
    # and the asset catalog listing every asset (the graph draws only the nodes in view).
    groups = ",".join(f"global@global:{g}" for g in expected["groups"])
    lineage = render_page(
        f"{server.url}/asset-groups?expanded={quote(groups)}", ARTIFACTS / "asset-lineage.png", profile, window=(2400, 1600)
    )
    (ARTIFACTS / "asset-lineage.html").write_text(lineage.dom)
    assert_rendered(lineage, "Global asset lineage", *expected["groups"])
    labels = lineage.text.split()
    shown = [n for n in expected["assets"] if any(graph_label_matches(label, n) for label in labels)]
    assert len(shown) >= 10, f"the lineage graph shows hardly any asset ({shown}): {lineage.text[:1500]}"

    catalog = render_page(f"{server.url}/assets", ARTIFACTS / "asset-catalog.png", profile, window=(1600, 4000))
    (ARTIFACTS / "asset-catalog.html").write_text(catalog.dom)
    descriptions = tuple(spec.description for spec in expected["assets"].values() if spec.description)
    assert_rendered(catalog, "Catalog", our_texts=descriptions)
    unlisted = [n for n in expected["assets"] if n not in catalog.text]
    assert not unlisted, f"the asset catalog does not list {unlisted}: {catalog.text[:1500]}"

    # (b) The digest's asset page: the latest materialization is the sample partition.
    post_spec = expected["assets"]["hot_papers_post"]
    post = render_page(f"{server.url}/assets/hot_papers_post", ARTIFACTS / "hot_papers_post.png", profile)
    (ARTIFACTS / "hot_papers_post.html").write_text(post.dom)
    assert_rendered(
        post,
        "hot_papers_post",
        "Latest materialization",
        PARTITION,
        post_spec.description,
        f"hot-papers-{PARTITION}.md",
        JOB,
        "digest_daily",
    )

    # (c) The main mart: row count, columns, passing checks.
    daily = render_page(f"{server.url}/assets/digest_daily", ARTIFACTS / "digest_daily.png", profile)
    (ARTIFACTS / "digest_daily.html").write_text(daily.dom)
    assert_rendered(
        daily,
        "digest_daily",
        "Latest materialization",
        PARTITION,
        "Latest check results",
        "Row count",
        "Columns",
        "arxiv_id",
        expected["assets"]["digest_daily"].description,
    )


# --------------------------------------------------------------------------------------------------
# GraphQL: backfills, as the UI launches them


BACKFILL_PARTITION = "2020-07-09"  # the other sample date
BACKFILL_TIMEOUT_SECONDS = 120

LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}
"""

BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { id status isAssetBackfill runs(limit: 10) { runId jobName status tags { key value } } }
    ... on PythonError { message }
  }
}
"""

CANCEL = """
mutation Cancel($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename ... on PythonError { message } } }
"""

TERMINATE = """
mutation Terminate($ids: [String!]!) { terminateRuns(runIds: $ids) { __typename } }
"""


def test_backfills_launch_from_the_ui(server: DagsterServer, sample_run: dict, expected: dict) -> None:
    """Both backfills the UI offers, of the other sample date: of the job (the job's "Launch backfill")
    and of every partitioned asset (the asset graph's "Materialize" over a range). Both are accepted,
    and the daemon turns the job backfill into a run of `hot_papers_daily` for that partition. Then both
    are canceled: a second whole run through the daemon costs minutes here, and the run above already
    shows one succeeding."""
    location_name, repository_name = location(server)
    repository = {"repositoryLocationName": location_name, "repositoryName": repository_name}
    job_params = {
        "selector": {"partitionSetName": f"{JOB}_partition_set", "repositorySelector": repository},
        "partitionNames": [BACKFILL_PARTITION],
    }
    partitioned = [{"path": key.split("/")} for key, spec in expected["assets"].items() if spec.partitions_def is not None]
    asset_params = {"assetSelection": partitioned, "partitionNames": [BACKFILL_PARTITION]}

    launched = {}
    for kind, params in (("job", job_params), ("assets", asset_params)):
        result = server.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", f"{kind} backfill refused: {result}"
        launched[kind] = result["backfillId"]

    try:
        for kind, is_asset_backfill in (("job", False), ("assets", True)):
            backfill = server.graphql(BACKFILL, {"id": launched[kind]})["partitionBackfillOrError"]
            assert backfill["__typename"] == "PartitionBackfill", backfill
            assert backfill["isAssetBackfill"] is is_asset_backfill
            assert backfill["status"] == "REQUESTED", backfill

        deadline = time.monotonic() + BACKFILL_TIMEOUT_SECONDS
        runs: list[dict] = []
        while time.monotonic() < deadline and not runs:
            runs = server.graphql(BACKFILL, {"id": launched["job"]})["partitionBackfillOrError"]["runs"]
            time.sleep(1)
        assert runs, f"the daemon made no run of the job backfill in {BACKFILL_TIMEOUT_SECONDS} s:\n{server.log_tail()}"
        [run] = runs
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert run["jobName"] == JOB
        assert tags["dagster/backfill"] == launched["job"]
        assert tags["dagster/partition"] == BACKFILL_PARTITION
        assert run["status"] not in ("FAILURE", "CANCELED"), f"{run}\n{run_errors(server, run['runId'])}"
    finally:
        run_ids = []
        for backfill_id in launched.values():
            server.graphql(CANCEL, {"id": backfill_id})
            backfill = server.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
            run_ids += [r["runId"] for r in backfill.get("runs") or [] if r["status"] not in ("SUCCESS", "FAILURE", "CANCELED")]
        if run_ids:
            server.graphql(TERMINATE, {"ids": run_ids})
