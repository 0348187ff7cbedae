"""Evaluation: metrics with patient-bootstrap CIs, paired tests, plots, external inference, HTML report."""

from glioma_change.evaluation.compare import compare_to_baselines
from glioma_change.evaluation.external import ExternalSet, evaluate_external
from glioma_change.evaluation.metrics import cv_metrics
from glioma_change.evaluation.run import evaluate_run
from glioma_change.predictions import strategy_table
from glioma_change.stats import auc_ci, delong_test, paired_bootstrap_difference

__all__ = [
    "ExternalSet",
    "auc_ci",
    "compare_to_baselines",
    "cv_metrics",
    "delong_test",
    "evaluate_external",
    "evaluate_run",
    "paired_bootstrap_difference",
    "strategy_table",
]
