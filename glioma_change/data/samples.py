"""`Samples`: maps (rows of one shared storage tensor) with their labels and weights, as training reads them."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Samples:
    """Training or evaluation samples: rows `rows` of the map storage `x` (all of it, in order, when
    None), their labels `y` and weights `w` (N,).

    `x` is a `(M, C, D, H, W)` tensor shared, never copied, by every `Samples` made from it (e.g.
    `MapBank.data`); `batch` gathers the maps of some samples.
    """

    x: torch.Tensor
    y: torch.Tensor
    w: torch.Tensor
    rows: torch.Tensor | None = None

    def __post_init__(self) -> None:
        n = len(self.x) if self.rows is None else len(self.rows)
        if not (n == len(self.y) == len(self.w)):
            raise ValueError("inputs, labels and weights differ in length")

    def __len__(self) -> int:
        return len(self.y)

    @staticmethod
    def unlabelled(x: torch.Tensor, rows: torch.Tensor | None = None) -> Samples:
        """Maps only (rows `rows` of `x`, or all of it), for prediction: labels and weights are zeros."""
        n = len(x) if rows is None else len(rows)
        return Samples(x, torch.zeros(n), torch.zeros(n), rows)

    def batch(self, idx: torch.Tensor | slice) -> torch.Tensor:
        """The maps of samples `idx` (positions in these samples), gathered from the storage."""
        return self.x[idx] if self.rows is None else self.x[self.rows[idx]]

    def inputs(self) -> torch.Tensor:
        """Every sample's map, in order (a copy when `rows` select)."""
        return self.batch(slice(None))

    def _rows(self) -> torch.Tensor:
        return torch.arange(len(self.x), device=self.x.device) if self.rows is None else self.rows

    def take(self, idx: torch.Tensor | slice) -> Samples:
        """The samples at positions `idx`, on the same storage (no copy of the maps)."""
        return Samples(self.x, self.y[idx], self.w[idx], self._rows()[idx])

    def relabelled(self, y: torch.Tensor, w: torch.Tensor) -> Samples:
        """The same maps with other labels and weights."""
        return Samples(self.x, y, w, self.rows)

    def to(self, device: torch.device) -> Samples:
        """These samples with storage, rows, labels and weights on `device` (no copy when already there)."""
        rows = None if self.rows is None else self.rows.to(device, non_blocking=True)
        return Samples(self.x.to(device), self.y.to(device), self.w.to(device), rows)

    @staticmethod
    def concat(parts: list[Samples]) -> Samples:
        """Samples of several parts, in order: rows of one shared storage, or a new storage otherwise."""
        y, w = torch.cat([p.y for p in parts]), torch.cat([p.w for p in parts])
        if all(p.x is parts[0].x for p in parts):
            return Samples(parts[0].x, y, w, torch.cat([p._rows() for p in parts]))
        return Samples(torch.cat([p.inputs() for p in parts]), y, w)
