"""The bundled data is the real data: checksums match the manifest and the shapes match SOURCES."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from local_runtime import bundled_data, cases
from local_runtime.bundled_data import DataError
from local_runtime.cases import UnknownCase
from stacks.cases import ALL
from stacks.cases.fraud import FRAUD_DETECTION
from stacks.cases.moons import MOON_CLASSIFICATION

DATA = Path(__file__).resolve().parents[1] / "data"


def test_every_bundled_file_matches_its_checksum() -> None:
    manifest = bundled_data.read_manifest(DATA)
    # the cases' raw files, and the other files SOURCES.md lists beside them (e.g. the raw UCI zip)
    assert {f for case in ALL for f in case.local.raw_files} <= set(manifest)
    for relative in manifest:
        bundled_data.verify(DATA, relative, manifest)


def test_every_case_study_has_its_raw_files_in_the_manifest() -> None:
    manifest = bundled_data.read_manifest(DATA)
    for case in ALL:
        assert set(case.local.raw_files) <= set(manifest), case.id


def test_census_shape() -> None:
    census = pd.read_csv(DATA / "census/acs2015_county_data.csv")
    assert census.shape == (3220, 37)
    assert len(census.dropna()) == 3218


def test_creditcard_sample_keeps_every_fraud() -> None:
    with gzip.open(DATA / "creditcard/creditcard_sample_all492fraud_1230normal.csv.gz", "rt") as fh:
        sample = pd.read_csv(fh)
    assert sample.shape == (1722, 32)
    assert sample["Class"].value_counts().to_dict() == {0: 1230, 1: 492}


def test_damaged_file_is_refused_with_its_name(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    target = tmp_path / "data/moons/train.csv"
    target.write_text(target.read_text().replace("1.0", "0.0", 1))
    with pytest.raises(DataError, match=r"moons/train\.csv: sha256 .* does not match"):
        bundled_data.stage_raw_data(MOON_CLASSIFICATION, tmp_path / "data", tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_missing_data_and_unknown_case(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"moons: no data files for moon-classification \(expected e\.g\. moons/train"
    ):
        bundled_data.stage_raw_data(MOON_CLASSIFICATION, tmp_path, tmp_path / "raw")
    with pytest.raises(UnknownCase, match="unknown case study 'nope'; known: population-segmentation"):
        cases.find("nope")


def test_stage_copies_verified_files(tmp_path: Path) -> None:
    staged = bundled_data.stage_raw_data(MOON_CLASSIFICATION, DATA, tmp_path / "raw")
    assert sorted(p.name for p in staged) == ["test.csv", "train.csv"]
    assert bundled_data.sha256_of(staged[0]) == bundled_data.sha256_of(DATA / "moons" / staged[0].name)


def test_a_users_own_data_folder_is_staged_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "mine" / "creditcard").mkdir(parents=True)
    (tmp_path / "mine" / "creditcard" / "creditcard.csv").write_text("Time,V1\n0,1\n")
    staged = bundled_data.stage_raw_data(FRAUD_DETECTION, tmp_path / "mine", tmp_path / "raw")
    assert [p.name for p in staged] == ["creditcard.csv"]
