"""SQL models as assets: one per file under sql/, upstream assets parsed from the SQL itself.

Each model asset is partitioned by listing date like the raw data: materializing partition D
recomputes only D (the SQL reads the ``listing_date`` variable) and republishes it as Parquet. A model
whose table is missing or whose columns changed is rebuilt and republished whole, whatever the partition.
"""

import hashlib
from datetime import date

import dagster as dg

from assets.metadata import table_metadata
from pipelines.partitions import LISTING_DATES, engagement_fetches
from pipelines.resources import HotPapersResource
from pipelines.schema import column_schema, load_schema
from pipelines.sqlmodels import (
    SETTINGS_TABLE,
    SqlModel,
    build_and_publish,
    build_session,
    discover,
    publish_warehouse,
)

# Reads wider than "the same listing date": a paper's engagement comes from the fetch of its own
# listing date and the fetches of the 7 days after (pipelines/partitions.py: engagement_fetches).
WIDER_READS = {
    ("int_tweets_linked_to_papers", "stg_x__tweets"): engagement_fetches(),
    ("paper_engagement_history", "stg_x__tweet_snapshots"): engagement_fetches(),
    **{
        ("int_engagement_linked_to_papers", source): engagement_fetches()
        for source in ("stg_hf__daily_papers", "stg_hn__stories", "stg_bluesky__posts")
    },
}


def model_asset(model: SqlModel) -> dg.AssetsDefinition:
    deps = [
        dg.AssetDep(table, partition_mapping=WIDER_READS.get((model.name, table)))
        for table in model.reads
        if table != SETTINGS_TABLE
    ]
    sql_markdown = dg.MetadataValue.md(f"```sql\n{model.sql}\n```")
    documented = load_schema().get(model.name)
    columns = {"dagster/column_schema": column_schema(model.name)} if documented else {}

    @dg.asset(
        name=model.name,
        deps=deps,
        partitions_def=LISTING_DATES if model.partitioned else None,
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        owners=["team:hotpapers"],
        description=documented.description.strip() if documented else model.description,
        pool="duckdb",
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:16],
        metadata={"sql": sql_markdown, "file": f"sql/{model.layer}/{model.path.name}", **columns},
    )
    def _build(context: dg.AssetExecutionContext, hotpapers: HotPapersResource) -> dg.MaterializeResult:
        listing_date = date.fromisoformat(context.partition_key) if model.partitioned else None
        settings = hotpapers.settings()
        with build_session(settings) as con:
            path, rebuilt_whole = build_and_publish(con, settings, model, listing_date)
            publish_warehouse(con, settings, discover())
            metadata = table_metadata(con, model.name, listing_date)
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "sql": sql_markdown,
                "published": dg.MetadataValue.path(str(path)),
                "rebuilt_whole": rebuilt_whole,
            }
        )

    return _build


SQL_MODEL_ASSETS = [model_asset(model) for model in discover()]
