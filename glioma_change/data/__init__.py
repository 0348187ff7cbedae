"""Joining maps with labels, patient-wise folds, preloaded map tensors and 3D augmentation."""

from glioma_change.data.augment import augment
from glioma_change.data.folds import Fold, fold_frames, make_folds
from glioma_change.data.join import join_maps_labels
from glioma_change.data.mapbank import MapBank
from glioma_change.data.samples import Samples

__all__ = ["Fold", "MapBank", "Samples", "augment", "fold_frames", "join_maps_labels", "make_folds"]
