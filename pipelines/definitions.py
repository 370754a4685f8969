"""Assembles the Dagster code location: everything under assets/, the jobs, the schedules, the resource."""

import dagster as dg

import assets
from pipelines.resources import HotPapersResource
from pipelines.schedules import daily_hot_papers, daily_job, freshness_job, freshness_schedule, site_job, site_schedule

defs = dg.Definitions.merge(
    dg.load_definitions_from_package_module(assets),
    dg.Definitions(
        jobs=[daily_job, freshness_job, site_job],
        schedules=[daily_hot_papers, freshness_schedule, site_schedule],
        resources={"hotpapers": HotPapersResource()},
        # One process per run: the steps write one DuckDB file and run one at a time anyway (the
        # duckdb pool), and a subprocess per step (~80 of them) would cost seconds each.
        executor=dg.in_process_executor,
    ),
)
