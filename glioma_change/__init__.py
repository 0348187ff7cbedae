"""glioma-change: longitudinal glioma MRI change detection with weak labels from radiology reports."""

__version__ = "0.1.0"
