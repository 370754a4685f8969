"""Dagster asset definitions: ingestion, SQL models, data checks, digests.

Partitioned asset checks and partition mappings that tolerate not-yet-existing partitions are
preview/beta features in Dagster 1.13; we rely on them knowingly, so their warnings are silenced.
"""

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)
