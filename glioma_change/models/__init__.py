"""3D change classifiers (VGG, ResNeXt) with a feature/head split, their factory and checkpoints."""

from glioma_change.models.checkpoint import load_checkpoint, save_checkpoint
from glioma_change.models.classifier import ChangeClassifier, count_parameters, freeze_features
from glioma_change.models.factory import available_networks, build_model
from glioma_change.models.spec import ModelSpec

__all__ = [
    "ChangeClassifier",
    "ModelSpec",
    "available_networks",
    "build_model",
    "count_parameters",
    "freeze_features",
    "load_checkpoint",
    "save_checkpoint",
]
