"""Reading lists: researchers' Markdown lists of papers read, and arXiv's answers about their links.

Not partitioned: each materialization rereads every list under ``HOTPAPERS_READING_LISTS_DIR`` and
rewrites the raw tables whole. The SQL models over them (``stg_reading_list__*``,
``int_reading_list_*``, ``reading_list_status``, ``reading_list_progress``) come from ``sql/`` like
every model.
"""

from datetime import datetime, timezone

import dagster as dg

from assets.metadata import markdown_preview
from pipelines.rawstore import read_partition, write_partition
from pipelines.reading_list import (
    ENTRIES_SOURCE,
    ENTRIES_TABLE,
    FILES_SOURCE,
    FILES_TABLE,
    STATUS_MART,
    entries_table,
    files_table,
    read_reading_lists,
)
from pipelines.resources import HotPapersResource
from pipelines.sources.arxiv_lookup import LOOKUPS_SOURCE, LOOKUPS_TABLE, ArxivLookup, look_up
from pipelines.sources.http import RequestStats
from pipelines.warehouse import connect


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ENTRIES_SOURCE,
            description="Papers on the reading lists, one per numbered heading: title and link as written, "
            "the arXiv id the link resolves to, the note's length.",
            group_name="ingestion",
            kinds={"python", "parquet"},
            owners=["team:hotpapers"],
        ),
        dg.AssetSpec(
            FILES_SOURCE,
            description="The reading-list files: title and the progress bar's done / total.",
            group_name="ingestion",
            kinds={"python", "parquet"},
            owners=["team:hotpapers"],
        ),
    ],
)
def raw_reading_lists(hotpapers: HotPapersResource):
    """Parses every Markdown list in the reading-lists folder (none when the folder does not exist)."""
    settings = hotpapers.settings()
    folder = settings.reading_lists_dir
    lists = read_reading_lists(folder)
    parsed_at = datetime.now(timezone.utc)
    entries, files = entries_table(lists, parsed_at), files_table(lists, parsed_at)
    entries_path = write_partition(settings.raw_dir, ENTRIES_TABLE, None, entries)
    files_path = write_partition(settings.raw_dir, FILES_TABLE, None, files)
    common = {"folder": dg.MetadataValue.path(str(folder)), "folder_exists": folder.is_dir()}
    yield dg.MaterializeResult(
        asset_key=ENTRIES_SOURCE,
        metadata={
            **common,
            "dagster/row_count": entries.num_rows,
            "with_arxiv_id": sum(1 for v in entries.column("arxiv_id").to_pylist() if v),
            "path": dg.MetadataValue.path(str(entries_path)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=FILES_SOURCE,
        metadata={
            **common,
            "dagster/row_count": files.num_rows,
            "lists": ", ".join(r.list_file for r in lists) or "none",
            "path": dg.MetadataValue.path(str(files_path)),
        },
    )


class LookupConfig(dg.Config):
    refresh: bool = False
    """Ask arXiv again about every id and title, instead of reusing the earlier answers."""


@dg.asset(
    key=LOOKUPS_SOURCE,
    deps=[ENTRIES_SOURCE],
    group_name="ingestion",
    kinds={"python", "parquet"},
    owners=["team:hotpapers"],
    # One lookup at a time across runs (the schedule starts several): arXiv's spacing holds, and a
    # run waiting for the slot then finds the answers the previous one wrote.
    pool="arxiv",
)
def raw_arxiv__looked_up_papers(
    context: dg.AssetExecutionContext, config: LookupConfig, hotpapers: HotPapersResource
) -> dg.MaterializeResult:
    """arXiv's papers for the reading-list entries: by the id each link resolves to, and by title where
    the title does not match (or there is no arXiv link); earlier answers are reused.

    With the ``sample`` source nothing is requested (the sample replays listings only): entries
    without an earlier answer stay "not checked". Use ``live``, or ``hotpapers reading-list check``.
    """
    settings = hotpapers.settings()
    entries = read_partition(settings.raw_dir, ENTRIES_TABLE, None)
    pairs = list(zip(entries.column("arxiv_id").to_pylist(), entries.column("title").to_pylist())) if entries else []
    previous = None if config.refresh else read_partition(settings.raw_dir, LOOKUPS_TABLE, None)
    stats = RequestStats()
    if hotpapers.source == "live":
        with ArxivLookup(
            settings.arxiv_api_url,
            delay_seconds=settings.arxiv_delay_seconds,
            timeout=settings.http_timeout_seconds,
            retries=settings.http_retries,
            stats=stats,
        ) as lookup:
            lookups = look_up(pairs, lookup, previous)
    else:
        context.log.info("source %s: no arXiv requests, earlier answers only", hotpapers.source)
        lookups = look_up(pairs, None, previous)
    path = write_partition(settings.raw_dir, LOOKUPS_TABLE, None, lookups)
    found = [v for v in lookups.column("arxiv_id").to_pylist() if v]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": lookups.num_rows,
            "papers_found": len(set(found)),
            "source": hotpapers.source,
            "path": dg.MetadataValue.path(str(path)),
            **stats.as_metadata(),
        }
    )


@dg.asset_check(
    asset=STATUS_MART,
    name="entries_check_out",
    description="Every reading-list entry resolves to the arXiv paper its title names (status ok).",
)
def entries_check_out(hotpapers: HotPapersResource) -> dg.AssetCheckResult:
    with connect(hotpapers.settings().warehouse_path, read_only=True) as con:
        counts = dict(
            con.execute(f"select status, count(*) from {STATUS_MART} group by status order by status").fetchall()
        )
        problems = f"(select list_file, number, title, status, resolved_arxiv_id, suggested_arxiv_id from {STATUS_MART} where status != 'ok' order by list_file, line)"
        preview = markdown_preview(con, problems, 20)
    failing = sum(n for status, n in counts.items() if status != "ok")
    return dg.AssetCheckResult(
        passed=failing == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"entries_with_problems": failing, **{f"status: {k}": v for k, v in counts.items()}, "problems": dg.MetadataValue.md(preview)},
    )
