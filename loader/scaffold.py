"""``smqi init DIR``: a new project folder for a review team.

    manifest.yaml               the dataset's own metadata (commented), its reviews and sheets
    reviews.yaml                the team's review record
    mappings/extraction-template.yaml   the default sheet layout, to copy for another one
    sheets/extraction.xlsx      the empty extraction workbook (as ``smqi template`` writes it)
    vocabularies/               the team's own concepts (``smqi add-concept`` writes here)
    .gitignore                  the build's outputs

A value the team did not give is written as ``FILL IN: ...``, which every command refuses
with the field's name, so nothing half-described is ever published.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from smqi.loader.errors import ConfigurationError
from smqi.loader.manifest import PLACEHOLDER, load_mapping
from smqi.loader.project import copy_default_mapping
from smqi.loader.settings import MANIFEST, BuildSettings
from smqi.loader.template import read_offered, write_template

SHEET = "sheets/extraction.xlsx"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class ProjectAnswers:
    """What the team says about its dataset when it starts; absent values are filled in later."""

    title: str | None = None
    description: str | None = None
    license: str = CC_BY
    base_iri: str | None = None
    publisher: str | None = None
    publisher_url: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    creators: tuple[tuple[str, str | None], ...] = ()  # (name, ORCID iD or None)
    version: str = "1.0.0"
    issued: dt.date | None = None
    keywords: tuple[str, ...] = ()
    doi: str | None = None
    review_id: str = "my-review"
    review_title: str | None = None


def _value(text: str | None, what: str) -> str:
    """A YAML scalar: the value given, or a placeholder every command refuses."""
    return json.dumps(text if text else f"{PLACEHOLDER}: {what}", ensure_ascii=False)


def manifest_text(answers: ProjectAnswers) -> str:
    issued = (answers.issued or dt.date.today()).isoformat()
    creators = "\n".join(
        f"    - name: {json.dumps(name, ensure_ascii=False)}"
        + (f"\n      orcid: {json.dumps(orcid)}" if orcid else "")
        for name, orcid in answers.creators
    ) or (
        f"    - name: {_value(None, 'a creator of the dataset')}\n"
        "      # orcid: 0000-0002-1825-0097   (optional)"
    )
    keywords = json.dumps(list(answers.keywords), ensure_ascii=False)
    doi = (
        f"  doi: {json.dumps(answers.doi)}"
        if answers.doi
        else "  # doi: 10.1234/abcd   (optional: the dataset's own DOI, once it has one)"
    )
    publisher_url = (
        f"\n    url: {json.dumps(answers.publisher_url)}" if answers.publisher_url else ""
    )
    return f"""# The project's manifest: what `smqi build` reads. Paths are relative to this file.
#
# `dataset:` is the dataset's own metadata. It is the one source of every description of
# the published graph (VoID/DCAT, the FAIR Data Point, schema.org, the RO-Crate), so keep
# it true. A value that still says "{PLACEHOLDER}" stops every command until it is given.
dataset:
  title: {_value(answers.title, "the dataset's title")}
  description: {_value(answers.description, "what the dataset holds, in a few sentences")}
  # the licence under which others may reuse the graph, as a web address
  license: {json.dumps(answers.license)}
  # who publishes the dataset (an organisation), and whom to write to about it
  publisher:
    name: {_value(answers.publisher, "the publishing organisation")}{publisher_url}
  contact_point:
    name: {_value(answers.contact_name, "a team or person to contact")}
    email: {_value(answers.contact_email, "their e-mail address")}
  creators:
{creators}
  # the dataset's version: quote it ("1.10" would otherwise read as the number 1.1)
  version: {json.dumps(answers.version)}
  # when the dataset was first published (it stays the same from version to version)
  issued: {issued}
  # every IRI the build mints (studies, records, sheets, your concepts) lives under this
  # web address; choose one you control and keep it (e.g. a w3id.org redirect)
  base_iri: {_value(answers.base_iri, "a web address you control, ending in /id/")}
  keywords: {keywords}
{doi}

# The review records of the reviews whose coding this project publishes.
reviews: reviews.yaml

# alignments: my-alignments.sssom.tsv   (optional: SSSOM matches of your own concepts)

# Each collection is one body of coded studies: a review's extraction (kind: review, with
# its record in reviews.yaml under the same id) or an illustrative one (kind: illustrative).
collections:
  - id: {json.dumps(answers.review_id)}
    kind: review
    sheets:
      # the workbook `smqi template` writes; fill it in, then `smqi validate` it
      - path: {SHEET}
        # mapping: mappings/my-layout.yaml   (default: mappings/extraction-template.yaml)
"""


def reviews_text(answers: ProjectAnswers) -> str:
    return f"""# The review whose coding this project publishes. Only `id` and `title` are required;
# add what the public record shows, and leave out what it does not (never guess).
reviews:
  - id: {json.dumps(answers.review_id)}
    type: scoping review
    title: {_value(answers.review_title or answers.title, "the review's title")}
    # authors: [First Author, Second Author]
    # journal: Journal Name
    # published: 2026-01-31
    # doi: 10.1234/abcd
    # included_studies: 40
    # coded_dimensions: [social media platform, user population, communication model]
    # findings:
    #   - A finding, as the review reports it.
    # sources:
    #   - https://doi.org/10.1234/abcd
"""


GITIGNORE = """# what smqi writes; the sources are the rest
build
builds/
.build.next
.cache/
var/
"""

VOCABULARIES_README = """# Your own concepts

New platforms and populations appear all the time. Add one to a shared scheme with

    smqi add-concept platform "Bluesky" --definition "..." --broader "microblogs"

It gets an IRI under your base IRI, is checked on every build, appears in the template's
dropdowns (`smqi template`) and on the server's concept pages.
"""


def init_project(target: Path, answers: ProjectAnswers) -> list[Path]:
    """Write a new project into ``target`` (created, or empty); return the files written."""
    if (target / MANIFEST).exists():
        raise ConfigurationError(f"{target} is a project already: it has a {MANIFEST}")
    if target.exists() and not target.is_dir():
        raise ConfigurationError(f"{target} is a file, not a folder")
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    try:
        target.mkdir(parents=True, exist_ok=True)
        write(MANIFEST, manifest_text(answers))
        write("reviews.yaml", reviews_text(answers))
        write(".gitignore", GITIGNORE)
        write("vocabularies/README.md", VOCABULARIES_README)
        mapping = copy_default_mapping(target)
        written.append(mapping)
        settings = BuildSettings.for_project(target)
        workbook = target / SHEET
        write_template(load_mapping(mapping), read_offered(settings, None), workbook)
        written.append(workbook)
    except OSError as exc:
        raise ConfigurationError(f"{target}: cannot write the project: {exc}") from exc
    return written


__all__ = ["ProjectAnswers", "init_project", "manifest_text"]
