"""SQL models as assets: one per file under sql/, upstream assets parsed from the SQL itself.

Each model asset is partitioned by listing date like the raw data: materializing partition D
recomputes only D (the SQL reads the ``listing_date`` variable) and republishes it as Parquet.
"""

import hashlib
from datetime import date

import dagster as dg

from assets.metadata import table_metadata
from pipelines.partitions import LISTING_DATES
from pipelines.resources import HotPapersResource
from pipelines.sqlmodels import (
    SETTINGS_TABLE,
    SqlModel,
    build_partition,
    build_session,
    discover,
    publish_partition,
    publish_warehouse,
    rebuild,
)

# Reads wider than "the same listing date": a paper's tweets come from the fetch of its own listing
# date and the fetches of the next three, whose windows overlap its engagement window.
WIDER_READS = {
    ("int_tweets_linked_to_papers", "stg_x__tweets"): dg.TimeWindowPartitionMapping(
        start_offset=0, end_offset=3, allow_nonexistent_upstream_partitions=True
    ),
}


def model_asset(model: SqlModel) -> dg.AssetsDefinition:
    deps = [
        dg.AssetDep(table, partition_mapping=WIDER_READS.get((model.name, table)))
        for table in model.reads
        if table != SETTINGS_TABLE
    ]
    sql_markdown = dg.MetadataValue.md(f"```sql\n{model.sql}\n```")

    @dg.asset(
        name=model.name,
        deps=deps,
        partitions_def=LISTING_DATES if model.partitioned else None,
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        owners=["team:hotpapers"],
        description=model.description,
        pool="duckdb",
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:16],
        metadata={"sql": sql_markdown, "file": f"sql/{model.layer}/{model.path.name}"},
    )
    def _build(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
        listing_date = date.fromisoformat(context.partition_key) if model.partitioned else None
        settings = hotpapers.settings()
        with build_session(settings) as con:
            if listing_date is None:
                rebuild(con, model)
            else:
                build_partition(con, model, listing_date)
            path = publish_partition(con, settings, model.name, listing_date)
            publish_warehouse(con, settings, discover())
            metadata = table_metadata(con, model.name, listing_date)
        return dg.MaterializeResult(
            metadata={**metadata, "sql": sql_markdown, "published": dg.MetadataValue.path(str(path))}
        )

    return _build


SQL_MODEL_ASSETS = [model_asset(model) for model in discover()]
