"""Transfer-learning building blocks beyond the paper.

Network growth, mean/variance initialisation, self-supervised pretext tasks and teacher–student pseudo-labels.
"""

from glioma_change.transfer.grow import grow_model, grown_spec, growth_masks
from glioma_change.transfer.meanvar import meanvar_init
from glioma_change.transfer.pretext import PretextSettings, pretext_pair_ids, pretrain_self_supervised
from glioma_change.transfer.pseudo import LeakageError, fuse, noisy_student_rounds, pseudo_labels

__all__ = [
    "LeakageError",
    "PretextSettings",
    "fuse",
    "grow_model",
    "grown_spec",
    "growth_masks",
    "meanvar_init",
    "noisy_student_rounds",
    "pretext_pair_ids",
    "pretrain_self_supervised",
    "pseudo_labels",
]
