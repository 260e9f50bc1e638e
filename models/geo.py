"""Distances on the sphere, in the units sailors use."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0088
KM_PER_NM = 1.852
SECONDS_PER_HOUR = 3600.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance; correct across the antimeridian."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi = phi2 - phi1
    dlambda = radians(lon2 - lon1)
    a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def knots(km: float, seconds: float) -> float:
    """Speed in knots of covering ``km`` in ``seconds`` (infinite for zero time)."""
    if seconds <= 0:
        return float("inf") if km > 0 else 0.0
    return km / KM_PER_NM / (seconds / SECONDS_PER_HOUR)
