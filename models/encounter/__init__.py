"""Encounters: two vessels meeting slowly at sea, found across vessels and partitions; and the
anchorages learned where many vessels stop."""

from models.encounter.anchorages import AnchorageGrid, CellAnchorages, HeldAlert, hold
from models.encounter.bucket import PairBucket
from models.encounter.cells import CellStage
from models.encounter.mover import Mover, cells_of
from models.encounter.pairs import PairStage
from models.encounter.pipeline import Encounters

__all__ = [
    "AnchorageGrid",
    "CellAnchorages",
    "CellStage",
    "Encounters",
    "HeldAlert",
    "Mover",
    "PairBucket",
    "PairStage",
    "cells_of",
    "hold",
]
