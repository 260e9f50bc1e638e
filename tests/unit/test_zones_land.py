"""The land check: the package's mask read faithfully, and "well inland" meaning what it says."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from zones.land import DEFAULT_MARGIN_KM, is_land, well_inland

SHARED = Path("/work/shared/data")
PR_USVI = Path(__file__).resolve().parents[2] / "replay" / "samples"
PR_USVI_SAMPLE = PR_USVI / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"

# (lat, lon), checked on charts: inland cities, open sea, and harbour berths of real vessels
INLAND = {"Bogotá": (4.60, -74.08), "Brasília": (-15.80, -47.90), "Caracas": (10.50, -66.90)}
SEA = {"Caribbean Sea": (15.0, -75.0), "Gulf of Mexico": (25.0, -90.0), "Pacific": (-20, -100)}
BERTHS = {  # moored vessels in replay/samples/2022-11-10-worldwide.gfw-ais-listener.nmea
    "Kingston": (17.965038, -76.80347),
    "Cartagena": (10.405, -75.541667),
    "Santa Marta": (11.25, -74.218333),
    "Bridgetown": (13.103333, -59.628333),
}


def coordinates(points: dict[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = zip(*points.values(), strict=True)
    return np.array(lat), np.array(lon)


def test_inland_cities_are_well_inland_and_the_sea_is_not_land() -> None:
    lat, lon = coordinates(INLAND)
    assert is_land(lat=lat, lon=lon).all()
    assert well_inland(lat=lat, lon=lon).all()
    lat, lon = coordinates(SEA)
    assert not is_land(lat=lat, lon=lon).any()
    assert not well_inland(lat=lat, lon=lon).any()


def test_berths_are_never_well_inland_though_the_1_km_mask_may_call_them_land() -> None:
    lat, lon = coordinates(BERTHS)
    assert not well_inland(lat=lat, lon=lon).any()
    # the margin is what saves them: some berths fall in land cells of the mask
    assert is_land(lat=lat, lon=lon).any()


def sea_within(lat: np.ndarray, lon: np.ndarray, radius_km: float) -> np.ndarray:
    """Brute force: does any of 72 bearings x 20 distances up to ``radius_km`` hit sea?"""
    bearings = np.radians(np.arange(0, 360, 5))
    distances = np.linspace(0, radius_km, 20)
    d_lat = np.outer(distances, np.cos(bearings)).ravel() / 111.195
    d_lon = np.outer(distances, np.sin(bearings)).ravel() / 111.195
    around_lat = lat[:, None] + d_lat[None, :]
    around_lon = lon[:, None] + d_lon[None, :] / np.cos(np.radians(lat[:, None]))
    return ~is_land(lat=around_lat, lon=around_lon).all(axis=1)


def test_well_inland_means_no_sea_within_the_margin() -> None:
    rng = np.random.default_rng(3)  # the Caribbean coast of Colombia, from sea to hills
    lat, lon = rng.uniform(10.2, 11.2, 2000), rng.uniform(-75.6, -74.2, 2000)
    land, inland = is_land(lat=lat, lon=lon), well_inland(lat=lat, lon=lon)
    assert 0 < inland.sum() < land.sum() < lat.size  # the sample holds all three cases
    assert (inland <= land).all()
    cell_km = 0.93  # distances are from cell centres: allow one cell either way
    assert not sea_within(lat[inland], lon[inland], DEFAULT_MARGIN_KM - cell_km).any()
    coastal = land & ~inland
    assert sea_within(lat[coastal], lon[coastal], DEFAULT_MARGIN_KM + cell_km).all()
    assert (well_inland(lat=lat, lon=lon, margin_km=0) == land).all()


def test_invalid_coordinates_are_not_land_and_shapes_are_kept() -> None:
    lat = np.array([[np.nan, 4.6], [95.0, 4.6]])
    lon = np.array([[-74.08, np.inf], [-74.08, -74.08]])
    assert is_land(lat=lat, lon=lon).tolist() == [[False, False], [False, True]]
    assert well_inland(lat=lat, lon=lon).shape == (2, 2)
    assert well_inland(lat=4.6, lon=-74.08).shape == ()
    assert bool(well_inland(lat=4.6, lon=-74.08))
    assert is_land(lat=[], lon=[]).shape == (0,)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        is_land(lat=[1.0, 2.0], lon=[1.0])
    with pytest.raises(ValueError, match="margin_km"):
        well_inland(lat=4.6, lon=-74.08, margin_km=-1)


def test_the_antimeridian_and_the_poles_are_handled() -> None:
    lat = np.array([-89.99, 89.99, 0.0, 0.0, 67.0, 67.0])
    lon = np.array([0.0, 0.0, 180.0, -180.0, -179.99, 179.99])
    # Antarctica, the Arctic Ocean, the Pacific either side, Chukotka either side
    assert is_land(lat=lat, lon=lon).tolist() == [True, False, False, False, True, True]
    assert well_inland(lat=lat, lon=lon).tolist() == [True, False, False, False, True, True]


def test_no_position_of_the_puerto_rico_sample_is_well_inland() -> None:
    with PR_USVI_SAMPLE.open(newline="") as file:
        rows = [(float(row["LAT"]), float(row["LON"])) for row in csv.DictReader(file)]
    lat, lon = np.array(rows).T
    assert len(rows) > 2000
    assert not well_inland(lat=lat, lon=lon).any()


@pytest.mark.slow
def test_is_land_agrees_with_the_package_cell_for_cell() -> None:
    """Against ``global_land_mask.globe.is_land`` itself (which holds ~1 GB while imported)."""
    from global_land_mask import globe

    rng = np.random.default_rng(7)
    lat = np.concatenate([rng.uniform(-90, 90, 200_000), rng.uniform(-60, 33, 200_000)])
    lon = np.concatenate([rng.uniform(-180, 180, 200_000), rng.uniform(-120, -30, 200_000)])
    assert (is_land(lat=lat, lon=lon) == globe.is_land(lat, lon)).all()
