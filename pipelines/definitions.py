"""Assembles the Dagster code location: every asset under assets/, and the resource they use."""

import dagster as dg

import assets
from pipelines.resources import HotPapersResource

defs = dg.Definitions(
    assets=dg.load_assets_from_package_module(assets),
    resources={"hotpapers": HotPapersResource()},
)
