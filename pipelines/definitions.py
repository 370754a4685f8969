"""Assembles the Dagster code location: everything under assets/, the job, the schedule, the resource."""

import dagster as dg

import assets
from pipelines.resources import HotPapersResource
from pipelines.schedules import daily_hot_papers, daily_job

defs = dg.Definitions.merge(
    dg.load_definitions_from_package_module(assets),
    dg.Definitions(
        jobs=[daily_job],
        schedules=[daily_hot_papers],
        resources={"hotpapers": HotPapersResource()},
    ),
)
