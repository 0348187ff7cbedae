"""Synthetic longitudinal glioma dataset: T2w images with evolving lesions, reports and label tables."""

from glioma_change.synth.config import SITE_PROFILES, SiteProfile, SynthConfig
from glioma_change.synth.dataset import SynthResult, generate_dataset
from glioma_change.synth.tables import SynthTables, generate_tables

__all__ = [
    "SITE_PROFILES",
    "SiteProfile",
    "SynthConfig",
    "SynthResult",
    "SynthTables",
    "generate_dataset",
    "generate_tables",
]
