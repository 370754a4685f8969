"""Dagster asset definitions: ingestion, SQL models, digests."""
