"""Encounters: two vessels meeting slowly at sea, found across vessels and partitions."""

from models.encounter.cells import CellStage, PairBucket
from models.encounter.mover import Mover, cells_of
from models.encounter.pairs import PairStage
from models.encounter.pipeline import Encounters

__all__ = ["CellStage", "Encounters", "Mover", "PairBucket", "PairStage", "cells_of"]
