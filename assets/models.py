"""SQL models as assets: one per file under sql/, upstream assets parsed from the SQL itself."""


import hashlib

import dagster as dg

from assets.metadata import table_metadata
from pipelines.resources import HotPapersResource
from pipelines.sqlmodels import SETTINGS_TABLE, SqlModel, build_model, discover, prepare_sources
from pipelines.warehouse import connect


def model_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        deps=[dg.AssetKey(table) for table in model.reads if table != SETTINGS_TABLE],
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        owners=["team:hotpapers"],
        description=model.description,
        pool="duckdb",
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:16],
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"), "file": str(model.path.name)},
    )
    def _build(hotpapers: HotPapersResource) -> dg.MaterializeResult:
        settings = hotpapers.settings()
        with connect(settings.warehouse_path) as con:
            prepare_sources(con, settings)
            build_model(con, model)
            metadata = table_metadata(con, model.name)
        return dg.MaterializeResult(metadata={**metadata, "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```")})

    return _build


SQL_MODEL_ASSETS = [model_asset(model) for model in discover()]
