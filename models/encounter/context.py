"""Who met, and where: the context that scores an encounter, or makes it routine.

Two vessels stopped together mean different things by who they are and where they are: two
pleasure craft at anchor, a tug alongside a tanker or a pilot boat beside a ship are routine; a
reefer stopped beside a fishing vessel 60 nm offshore is the textbook transshipment at sea. The
pair's AIS ship types (ITU-R M.1371, ``SHIP_CLASSES``) give each vessel a class; the first rule
of ``PAIR_RULES`` whose two sides the classes fill names the pair; the configuration
(``[encounter_context]``, ``models.config.EncounterContextConfig``) gives each rule its score
points and the distance from land within which it is routine:

======================  =================================================  ======  ==========
rule                    pair                                               points  routine
======================  =================================================  ======  ==========
``service``             a service vessel (tug 31/32/52, dredger 33, pilot      0   < 20 nm
                        50, SAR 51, port tender 53, anti-pollution 54, law
                        enforcement 55, medical 58) beside any vessel
``leisure``             two pleasure (37) or sailing (36) craft                 0   < 20 nm
``transshipment``       a carrier (cargo ship or reefer, 70–79) beside a       25   never
                        fishing vessel (30)
``bunkering``           a tanker (80–89) beside a fishing vessel               15   never
``ship_to_ship``        a tanker beside a tanker or a carrier                   5   never
======================  =================================================  ======  ==========

AIS has no code for a reefer: carriers are the cargo codes 70–79. Any pair at least
``offshore_km`` (20 nm) from land (``models.encounter.shore``) scores ``offshore_points`` more,
and a meeting well inland (rivers, canals, lakes) is routine. A routine meeting is no alert;
every other one says in its explanation who met and how far from land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from models.alerts import Evidence, VesselInfo
from models.config import ENCOUNTER_RULES, EncounterContextConfig
from models.encounter.shore import SEARCH_KM, inland, shore_km

__all__ = ["PAIR_RULES", "SHIP_CLASSES", "Judgement", "ShipClass", "judge", "ship_class"]

_KM_PER_NM = 1.852


class ShipClass(StrEnum):
    FISHING = "fishing"
    CARRIER = "carrier"
    TANKER = "tanker"
    SERVICE = "service"
    LEISURE = "leisure"


#: AIS ship type code -> (class, what the explanation calls it).
SHIP_CLASSES: dict[int, tuple[ShipClass, str]] = {
    30: (ShipClass.FISHING, "fishing vessel"),
    31: (ShipClass.SERVICE, "towing vessel"),
    32: (ShipClass.SERVICE, "towing vessel"),
    33: (ShipClass.SERVICE, "dredger"),
    36: (ShipClass.LEISURE, "sailing vessel"),
    37: (ShipClass.LEISURE, "pleasure craft"),
    50: (ShipClass.SERVICE, "pilot vessel"),
    51: (ShipClass.SERVICE, "search and rescue vessel"),
    52: (ShipClass.SERVICE, "tug"),
    53: (ShipClass.SERVICE, "port tender"),
    54: (ShipClass.SERVICE, "anti-pollution vessel"),
    55: (ShipClass.SERVICE, "law enforcement vessel"),
    58: (ShipClass.SERVICE, "medical transport"),
    **{code: (ShipClass.CARRIER, "cargo ship or reefer") for code in range(70, 80)},
    **{code: (ShipClass.TANKER, "tanker") for code in range(80, 90)},
}

_ANY = frozenset(ShipClass)

#: (rule, one side, the other side): the first rule whose sides the pair's classes fill.
PAIR_RULES: tuple[tuple[str, frozenset[ShipClass], frozenset[ShipClass]], ...] = (
    ("service", frozenset({ShipClass.SERVICE}), _ANY),
    ("leisure", frozenset({ShipClass.LEISURE}), frozenset({ShipClass.LEISURE})),
    ("transshipment", frozenset({ShipClass.CARRIER}), frozenset({ShipClass.FISHING})),
    ("bunkering", frozenset({ShipClass.TANKER}), frozenset({ShipClass.FISHING})),
    (
        "ship_to_ship",
        frozenset({ShipClass.TANKER}),
        frozenset({ShipClass.TANKER, ShipClass.CARRIER}),
    ),
)
assert tuple(rule for rule, _, _ in PAIR_RULES) == ENCOUNTER_RULES

_MEANING = {
    "service": "a service vessel at work",
    "leisure": "leisure craft together",
    "transshipment": "the pattern of a transshipment at sea",
    "bunkering": "possible bunkering of a fishing vessel",
    "ship_to_ship": "possible ship-to-ship transfer",
}


def ship_class(vessel: VesselInfo) -> tuple[ShipClass, str] | None:
    return None if vessel.ship_type is None else SHIP_CLASSES.get(vessel.ship_type)


def pair_rule(a: VesselInfo, b: VesselInfo) -> tuple[str, str] | None:
    """The rule the pair falls under and "an X beside a Y", or None."""
    first, second = ship_class(a), ship_class(b)
    if first is None or second is None:
        return None
    for rule, one, other in PAIR_RULES:
        for x, y in ((first, second), (second, first)):
            if x[0] in one and y[0] in other:
                return rule, f"{_article(x[1])} beside {_article(y[1])}"
    return None


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the context makes of one encounter."""

    routine: bool
    #: The sentence added to the explanation: who met, how far from land.
    clause: str
    #: (factor, points) raising the score.
    factors: tuple[tuple[str, float], ...] = ()
    evidence: Evidence = field(default_factory=dict)


def judge(
    a: VesselInfo, b: VesselInfo, lat: float, lon: float, config: EncounterContextConfig
) -> Judgement:
    """The context of two vessels ``a`` and ``b`` meeting at (lat, lon)."""
    distance = shore_km(lat, lon, SEARCH_KM)
    found = pair_rule(a, b)
    evidence: Evidence = {"shore_km": distance, "pair_rule": None if found is None else found[0]}
    if config.inland_routine and distance == 0.0 and inland(lat, lon):
        return Judgement(True, "well inland (a river, canal or lake)", evidence=evidence)
    where = _where(distance)
    factors: list[tuple[str, float]] = []
    clause = where
    if found is not None:
        rule, who = found
        clause = f"{who} {where}: {_MEANING[rule]}"
        within = config.routine_km[rule]
        if within > 0 and distance is not None and distance < within:
            return Judgement(True, clause, evidence=evidence)
        if config.points[rule] > 0:
            factors.append((f"the pair ({rule.replace('_', '-')})", config.points[rule]))
    offshore = distance is None or distance >= config.offshore_km
    if offshore and config.offshore_points > 0:
        factors.append((f"{_nm(distance)} offshore", config.offshore_points))
    return Judgement(False, clause, tuple(factors), evidence)


def _where(distance: float | None) -> str:
    if distance is None:
        return f"more than {SEARCH_KM:.0f} km ({SEARCH_KM / _KM_PER_NM:.0f} nm) from land"
    if distance == 0.0:
        return "on the land mask's coast or inland water"
    return f"{distance:.0f} km ({distance / _KM_PER_NM:.0f} nm) from land"


def _nm(distance: float | None) -> str:
    if distance is None:
        return f"over {SEARCH_KM / _KM_PER_NM:.0f} nm"
    return f"{distance / _KM_PER_NM:.0f} nm"


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun
