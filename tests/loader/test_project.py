"""A review team's own project: `smqi init`, its manifest's metadata, the project folder
taken from --project or the working directory, and the team's own concepts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from smqi.loader.cli import main
from smqi.loader.concepts import read_vocabularies
from smqi.loader.errors import ConfigurationError
from smqi.loader.extension import NewConcept, add_concept, check_extensions
from smqi.loader.manifest import load_manifest
from smqi.loader.project import project_settings
from smqi.loader.settings import DEFAULT_MAPPING
from smqi.loader.terms import SKOS, VOCAB
from tests.paths import DATA

BASE = "https://example.org/our-review/id/"
ANSWERS = [
    "--title", "Social media in QI: our review (SYNTHETIC test project)",
    "--description", "Made up by the tests.",
    "--base-iri", BASE,
    "--publisher", "Example University",
    "--publisher-url", "https://example.org/",
    "--contact-name", "The review team",
    "--contact-email", "review@example.org",
    "--creator", "Ada Lovelace|https://orcid.org/0000-0002-1825-0097",
    "--creator", "Alan Turing",
    "--keyword", "social media",
    "--keyword", "quality improvement",
    "--issued", "2026-01-31",
    "--review-id", "our-review",
    "--review-title", "Our scoping review",
]  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "our-project"
    assert main(["init", str(target), *ANSWERS]) == 0
    return target


@pytest.fixture
def inside(project: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(project)
    try:
        yield project
    finally:
        os.chdir(before)


def test_init_writes_a_project_whose_manifest_says_what_was_given(project: Path) -> None:
    for name in (
        "manifest.yaml",
        "reviews.yaml",
        DEFAULT_MAPPING,
        "sheets/extraction.xlsx",
        "vocabularies/README.md",
        ".gitignore",
    ):
        assert (project / name).is_file(), name
    settings = project_settings(project)
    assert settings.base_iri == BASE
    dataset = load_manifest(settings.manifest_file, settings.default_mapping).dataset
    assert dataset.title.startswith("Social media in QI")
    assert dataset.license == "https://creativecommons.org/licenses/by/4.0/"
    assert dataset.publisher is not None and dataset.publisher.url == "https://example.org/"
    assert dataset.contact_point is not None
    assert dataset.contact_point.email == "review@example.org"
    assert [(c.name, c.orcid) for c in dataset.creators] == [
        ("Ada Lovelace", "https://orcid.org/0000-0002-1825-0097"),
        ("Alan Turing", None),
    ]
    assert dataset.issued == dt.date(2026, 1, 31)
    assert dataset.keywords == ("social media", "quality improvement")
    assert dataset.version == "1.0.0"
    reviews = yaml.safe_load((project / "reviews.yaml").read_text(encoding="utf-8"))
    assert reviews["reviews"] == [
        {"id": "our-review", "type": "scoping review", "title": "Our scoping review"}
    ]
    # the default layout, as shipped, for the team to copy
    shipped = (DATA / DEFAULT_MAPPING).read_text(encoding="utf-8")
    assert (project / DEFAULT_MAPPING).read_text(encoding="utf-8") == shipped


def test_init_refuses_to_overwrite_a_project(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(project)]) == 2
    assert "is a project already" in capsys.readouterr().err


def test_a_value_left_to_fill_in_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "half"
    assert main(["init", str(target), "--base-iri", BASE, "--title", "T"]) == 0
    assert main(["build", "--project", str(target)]) == 2
    err = capsys.readouterr().err
    assert "dataset.description" in err and "FILL IN" in err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("base_iri", "example.org/id/", r"http\(s\) web address"),
        ("base_iri", "https://example.org/id", "must end with '/'"),
        ("license", "CC BY", r"http\(s\) web address"),
        ("issued", "31/01/2026", "must be a date"),
        ("doi", "not a doi", "is not a DOI"),
    ],
)
def test_malformed_metadata_is_refused_naming_the_field(
    project: Path, field: str, value: str, message: str
) -> None:
    path = project / "manifest.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["dataset"][field] = value
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    settings = project_settings(project)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_manifest(settings.manifest_file, settings.default_mapping)
    assert f"dataset.{field}" in str(caught.value)


def test_a_bad_orcid_or_email_is_refused(project: Path) -> None:
    path = project / "manifest.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["dataset"]["creators"][0]["orcid"] = "0000-0002-1825"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    settings = project_settings(project)
    with pytest.raises(ConfigurationError, match=r"creators\[0\]\.orcid"):
        load_manifest(settings.manifest_file, settings.default_mapping)


def test_commands_take_the_project_from_the_working_directory(
    inside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "sheets/extraction.xlsx"]) == 1
    assert "has a header but no rows" in capsys.readouterr().err
    assert main(["template", "-o", "again.xlsx"]) == 0
    assert (inside / "again.xlsx").is_file()


def test_a_folder_that_is_not_a_project_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--project", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no manifest.yaml" in err and "smqi init" in err


# -- the team's own concepts ---------------------------------------------------------------


def test_an_added_concept_gets_the_teams_iri_and_is_narrower_than_ours(project: Path) -> None:
    settings = project_settings(project)
    iri = add_concept(
        settings,
        NewConcept(
            "platform",
            "RateMDs",
            "A website on which patients rate and review doctors.",
            broader="rating and feedback websites",
        ),
    )
    assert iri == "https://example.org/our-review/vocab/platform/ratemds"
    graph = ox.Store()
    graph.load(path=project / "vocabularies" / "platform.ttl", format=ox.RdfFormat.TURTLE)
    concept = ox.NamedNode(iri)

    def objects(predicate: str) -> set[str]:
        return {
            q.object.value for q in graph.quads_for_pattern(concept, ox.NamedNode(predicate), None)
        }

    assert objects(str(SKOS.broader)) == {f"{VOCAB}platform/rating-and-feedback-websites"}
    assert objects(str(SKOS.inScheme)) == {f"{VOCAB}platform"}
    assert objects(str(SKOS.prefLabel)) == {"RateMDs"}
    # a sheet cell resolves to it like to ours
    index = read_vocabularies(settings.vocabulary_files)
    assert index.resolve("platform", "ratemds") == iri


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (NewConcept("platform", "Twitter/X", "d", broader="Twitter"), "already has a concept"),
        (NewConcept("platform", "Bluesky", "d", broader="Twittter"), "closest: Twitter"),
        (NewConcept("platform", "Bluesky", "d", broader="patients/consumers"), "not a concept"),
        (NewConcept("country", "Atlantis", "d", broader="Greece"), "can be added to"),
        (NewConcept("platform", "Bluesky", "d"), "--broader CONCEPT"),
        (NewConcept("platform", "Bluesky", " ", broader="Twitter"), "a definition"),
    ],
)
def test_a_concept_that_would_not_fit_is_refused_and_nothing_is_written(
    project: Path, new: NewConcept, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        add_concept(project_settings(project), new)
    assert not (project / "vocabularies" / f"{new.scheme}.ttl").exists()


def test_a_project_without_its_own_base_iri_cannot_add_concepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nobase"
    assert main(["init", str(target)]) == 0
    command = ["add-concept", "platform", "Bluesky", "--definition", "d", "--close-match"]
    assert main([*command, "Twitter", "--project", str(target)]) == 2
    assert "dataset.base_iri" in capsys.readouterr().err
    assert not (target / "vocabularies" / "platform.ttl").exists()


def test_a_hand_edited_extension_that_links_to_nothing_of_ours_is_refused(project: Path) -> None:
    (project / "vocabularies" / "population.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f'<{BASE}x> skos:inScheme <{VOCAB}population> ; skos:prefLabel "nurses"@en .\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as caught:
        check_extensions(project_settings(project))
    text = str(caught.value)
    assert "population.ttl" in text and "skos:definition" in text and "skos:broader" in text
