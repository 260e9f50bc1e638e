"""Distances on the sphere, in the units sailors use."""

from __future__ import annotations

from math import asin, atan2, cos, radians, sin, sqrt

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


def bearing_rad(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from the first point to the second, in radians."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dlambda = radians(lon2 - lon1)
    return atan2(
        sin(dlambda) * cos(phi2), cos(phi1) * sin(phi2) - sin(phi1) * cos(phi2) * cos(dlambda)
    )


def off_route_km(
    lat: float, lon: float, start: tuple[float, float], end: tuple[float, float]
) -> float:
    """Distance from (lat, lon) to the great-circle segment from ``start`` to ``end``: across
    the track where the point lies abreast of the segment, else to the nearer end."""
    to_point = distance_km(*start, lat, lon)
    length = distance_km(*start, *end)
    if length == 0.0:
        return to_point
    angle = bearing_rad(*start, lat, lon) - bearing_rad(*start, *end)
    delta = to_point / EARTH_RADIUS_KM
    across = asin(max(-1.0, min(1.0, sin(delta) * sin(angle))))
    along = atan2(sin(delta) * cos(angle), cos(delta) * cos(across)) * EARTH_RADIUS_KM
    if along <= 0.0:
        return to_point
    if along >= length:
        return distance_km(*end, lat, lon)
    return abs(across) * EARTH_RADIUS_KM
