"""The project manifest (``manifest.yaml``) and sheet mapping files, parsed and checked.

The manifest holds the dataset's own metadata (title, licence, publisher, contact point,
creators, version, base IRI ...: the one source every description of the dataset is made
from), the review records, and the collections with their sheets.

A mapping file declares a sheet layout: which column feeds which property of the study,
the coded record or the sheet row, how multi-valued cells are split and which concept
scheme a column's values resolve in. A new layout needs a mapping file, not code.

Several coders of one study in one collection are declared, not guessed: a column with
role ``coder_role`` gives each row's role (independent coder, consensus or sole coder),
or a sheet of the manifest says the role of all its rows (``coder_role:``, one sheet per
coder). Without either, a collection codes each study once, as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from smqi.loader.errors import ConfigurationError
from smqi.loader.terms import ADMS_PUBLISHER_TYPE, PREFIXES, XSD

PLACEHOLDER = "FILL IN"
TARGETS = ("study", "record", "row")
ROLES = ("doi", "pmid", "first_author", "year", "title", "coder", "coder_role")
SCHEMES = (
    "platform",
    "population",
    "communication-model",
    "qi-activity",
    "model-of-use",
    "qi-cycle-stage",
    "country",
    "theme",
    "study-design",
)
DATATYPES = {
    "xsd:string": None,
    "xsd:integer": str(XSD.integer),
    "xsd:date": str(XSD.date),
    "xsd:decimal": str(XSD.decimal),
    "xsd:boolean": str(XSD.boolean),
    "iri": "iri",
}


@dataclass(frozen=True)
class Classification:
    """A free-text column's values classified onto concepts by a published table (a value
    map): each text the table lists gives the concepts of ``scheme`` it names, stated with
    ``property``; a text it does not list is left unclassified."""

    property: str  # full IRI
    scheme: str
    table: Path
    values: dict[str, tuple[str, ...]]  # normalised text -> concept labels


@dataclass(frozen=True)
class ColumnMapping:
    column: str
    target: str
    property: str  # full IRI
    scheme: str | None = None
    separator: str | None = None
    datatype: str | None = None  # full datatype IRI, "iri", or None for a plain string
    role: str | None = None
    required: bool = False
    classify: Classification | None = None


@dataclass(frozen=True)
class Mapping:
    name: str
    path: Path
    header_row: int
    worksheet: str | None
    columns: dict[str, ColumnMapping]
    roles: dict[str, str]  # role -> column

    def column_for_role(self, role: str) -> str | None:
        return self.roles.get(role)

    def columns_for_property(self, target: str, property_iri: str) -> list[str]:
        return [
            c.column
            for c in self.columns.values()
            if c.target == target and c.property == property_iri
        ]


CODER_ROLES = ("independent", "consensus", "sole")


@dataclass(frozen=True)
class SheetSource:
    path: Path
    mapping: Mapping
    coder_role: str | None = None  # the role of every row of the sheet (one sheet per coder)


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str  # "review" (a review in reviews.yaml) or "illustrative"
    title: str | None
    description: str | None
    sheets: tuple[SheetSource, ...]


@dataclass(frozen=True)
class Person:
    """A creator of the dataset, with an ORCID iD when given."""

    name: str
    orcid: str | None = None  # as an IRI: https://orcid.org/0000-0002-1825-0097


@dataclass(frozen=True)
class Organisation:
    """The dataset's publisher; ``type`` is an ADMS publisher type (an IRI), when given."""

    name: str
    url: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class ContactPoint:
    name: str
    email: str


@dataclass(frozen=True)
class DatasetMetadata:
    """What the dataset says about itself; every description of it is made from this."""

    title: str
    description: str
    license: str
    base_iri: str
    publisher: Organisation | None = None
    contact_point: ContactPoint | None = None
    creators: tuple[Person, ...] = ()
    version: str | None = None
    issued: dt.date | None = None
    keywords: tuple[str, ...] = ()
    doi: str | None = None


@dataclass(frozen=True)
class Manifest:
    path: Path
    dataset: DatasetMetadata
    reviews: Path | None
    alignments: Path | None  # the project's own alignments (of its extension concepts)
    collections: tuple[Collection, ...] = field(default=())

    @property
    def title(self) -> str:
        return self.dataset.title

    @property
    def description(self) -> str:
        return self.dataset.description

    @property
    def license(self) -> str:
        return self.dataset.license


def expand_curie(curie: str, where: str) -> str:
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        known = ", ".join(sorted(PREFIXES))
        raise ConfigurationError(f"{where}: '{curie}' is not a CURIE with a known prefix ({known})")
    return str(PREFIXES[prefix][local])


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path}: file not found") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc


def _classification(path: Path, where: str, spec: object) -> Classification:
    """A column's ``classify:`` table: property, scheme and the value map (a TSV of text and
    concept labels, looked up beside the mapping file, else beside the shipped layouts)."""
    from smqi.loader.settings import PACKAGE_ROOT

    if not isinstance(spec, dict) or not {"property", "scheme", "table"} <= set(spec):
        raise ConfigurationError(f"{where}: classify needs property, scheme and table")
    if spec["scheme"] not in SCHEMES:
        raise ConfigurationError(f"{where}: classify scheme must be one of {', '.join(SCHEMES)}")
    table = path.parent / str(spec["table"])
    if not table.is_file():
        table = PACKAGE_ROOT / "data" / "mappings" / str(spec["table"])
    try:
        text = table.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"{where}: cannot read the value map {spec['table']}: {exc}"
        ) from exc
    values: dict[str, tuple[str, ...]] = {}
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:  # the first line that is not a comment names the columns
            header_seen = True
            continue
        cells = line.split("\t")
        if len(cells) < 2 or not cells[1].strip():
            raise ConfigurationError(
                f"{table}, line {number}: expected the text, a tab, then the concept labels"
            )
        labels = tuple(label.strip() for label in cells[1].split(";") if label.strip())
        values[value_key(cells[0])] = labels
    return Classification(
        property=expand_curie(str(spec["property"]), where),
        scheme=str(spec["scheme"]),
        table=table,
        values=values,
    )


def value_key(text: str) -> str:
    """A free-text cell as a value map looks it up: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every problem names the file and the column."""
    raw = _load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise ConfigurationError(f"{path}: a mapping needs a 'columns:' table")
    columns: dict[str, ColumnMapping] = {}
    for column, spec in raw["columns"].items():
        where = f"{path}, column '{column}'"
        if not isinstance(spec, dict):
            raise ConfigurationError(f"{where}: expected a table of target, property, ...")
        target = spec.get("target")
        if target not in TARGETS:
            raise ConfigurationError(f"{where}: target must be one of {', '.join(TARGETS)}")
        if "property" not in spec:
            raise ConfigurationError(f"{where}: 'property' is required")
        scheme = spec.get("scheme")
        if scheme is not None and scheme not in SCHEMES:
            raise ConfigurationError(f"{where}: scheme must be one of {', '.join(SCHEMES)}")
        role = spec.get("role")
        if role is not None and role not in ROLES:
            raise ConfigurationError(f"{where}: role must be one of {', '.join(ROLES)}")
        datatype_name = spec.get("datatype", "xsd:string")
        if datatype_name not in DATATYPES:
            raise ConfigurationError(f"{where}: datatype must be one of {', '.join(DATATYPES)}")
        if role == "coder_role" and expand_curie(str(spec["property"]), where) != str(
            PREFIXES["prov"].hadRole
        ):
            raise ConfigurationError(
                f"{where}: a coder_role column states the role of the row's coder: its "
                "property must be prov:hadRole"
            )
        classify = None
        if spec.get("classify") is not None:
            classify = _classification(path, where, spec["classify"])
        columns[str(column)] = ColumnMapping(
            column=str(column),
            target=target,
            property=expand_curie(str(spec["property"]), where),
            scheme=scheme,
            separator=spec.get("separator"),
            datatype=DATATYPES[datatype_name],
            role=role,
            required=bool(spec.get("required", False)),
            classify=classify,
        )
    roles = [c.role for c in columns.values() if c.role]
    for role in ("title", "first_author", "year", "coder"):
        if role not in roles:
            raise ConfigurationError(f"{path}: no column has role '{role}'")
    header_row = raw.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        raise ConfigurationError(f"{path}: header_row must be a positive whole number")
    return Mapping(
        name=str(raw.get("name", path.stem)),
        path=path,
        header_row=header_row,
        worksheet=raw.get("worksheet"),
        columns=columns,
        roles={c.role: c.column for c in columns.values() if c.role},
    )


# The ADMS publisher types (http://purl.org/adms/publishertype/1.0), which DCAT-AP asks for
PUBLISHER_TYPES = (
    "Academia-ScientificOrganisation",
    "Company",
    "IndustryConsortium",
    "LocalAuthority",
    "NationalAuthority",
    "NonGovernmentalOrganisation",
    "NonProfitOrganisation",
    "PrivateIndividual(s)",
    "RegionalAuthority",
    "StandardisationBody",
    "SupraNationalAuthority",
)
ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


class _Fields:
    """Reads one table of the manifest. A problem is noted (naming the file and the field)
    and the field read as absent, so that every problem of the manifest is told at once."""

    def __init__(self, path: Path, where: str, raw: object, problems: list[str]) -> None:
        if raw is not None and not isinstance(raw, dict):
            problems.append(f"'{where}' must be a table of fields")
            raw = None
        self.path, self.where, self.problems = path, where, problems
        self.raw: dict[str, Any] = raw or {}

    def fail(self, name: str, message: str) -> None:
        self.problems.append(f"{self.where}.{name} {message}")

    def text(self, name: str, *, required: bool = False, example: str = "") -> str | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                hint = f", e.g. {example}" if example else ""
                self.fail(name, f"is required{hint}")
            return None
        if isinstance(value, dict | list):
            self.fail(name, "must be text, not a table or a list")
            return None
        text = " ".join(str(value).split())
        if text.upper().startswith(PLACEHOLDER):
            self.fail(name, f"still says '{text}': give the value")
            return None
        return text

    def iri(self, name: str, *, required: bool = False, example: str = "") -> str | None:
        value = self.text(name, required=required, example=example)
        if value is not None and not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
            self.fail(name, f"must be an http(s) web address, not '{value}'")
            return None
        return value

    def table(self, name: str) -> _Fields | None:
        value = self.raw.get(name)
        if value is None:
            return None
        return _Fields(self.path, f"{self.where}.{name}", value, self.problems)

    def items(self, name: str) -> list[object]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "must be a list")
            return []
        return value


def _dataset(path: Path, raw: object) -> DatasetMetadata:
    """The dataset's metadata; every problem with it in one ConfigurationError."""
    problems: list[str] = []
    fields = _Fields(path, "dataset", raw, problems)
    title = fields.text("title", required=True, example="Social media in health service QI")
    description = fields.text("description", required=True)
    license_iri = fields.iri(
        "license", required=True, example="https://creativecommons.org/licenses/by/4.0/"
    )
    base_iri = fields.iri("base_iri", required=True, example="https://example.org/my-review/id/")
    if base_iri is not None and not base_iri.endswith(("/", "#")):
        fields.fail("base_iri", f"must end with '/' (IRIs are minted under it): '{base_iri}'")
    publisher = None
    if (table := fields.table("publisher")) is not None:
        name = table.text("name", required=True, example="La Trobe University")
        url = table.iri("url")
        kind = table.text("type")
        if kind is not None and kind not in PUBLISHER_TYPES:
            table.fail("type", f"must be one of {', '.join(PUBLISHER_TYPES)}, not '{kind}'")
            kind = None
        publisher_type = str(ADMS_PUBLISHER_TYPE[kind]) if kind else None
        publisher = Organisation(name, url, publisher_type) if name else None
    contact = None
    if (table := fields.table("contact_point")) is not None:
        name = table.text("name", required=True, example="The review team")
        email = table.text("email", required=True, example="review@example.org")
        if email is not None and not EMAIL.match(email.removeprefix("mailto:")):
            table.fail("email", f"is not an email address: '{email}'")
            email = None
        if name and email:
            contact = ContactPoint(name, email.removeprefix("mailto:"))
    creators = []
    for index, entry in enumerate(fields.items("creators")):
        creator = _Fields(path, f"dataset.creators[{index}]", entry, problems)
        name = creator.text("name", required=True, example="Louisa Walsh")
        orcid = creator.text("orcid")
        if orcid is not None:
            match = ORCID.match(orcid)
            if match is None:
                creator.fail("orcid", f"is not an ORCID iD (0000-0002-1825-0097): '{orcid}'")
            orcid = f"https://orcid.org/{match.group(1)}" if match else None
        if name:
            creators.append(Person(name, orcid))
    issued_raw = fields.raw.get("issued")
    issued = issued_raw if isinstance(issued_raw, dt.date) else None
    if issued_raw is not None and issued is None:
        text = fields.text("issued") or ""
        try:
            issued = dt.date.fromisoformat(text)
        except ValueError:
            fields.fail("issued", f"must be a date, e.g. 2026-12-07, not '{text}'")
    doi = fields.text("doi")
    if doi is not None:
        match = DOI.match(doi)
        if match is None:
            fields.fail("doi", f"is not a DOI (10.1234/abc): '{doi}'")
        doi = match.group(1).lower() if match else None
    keywords = tuple(" ".join(str(k).split()) for k in fields.items("keywords") if str(k).strip())
    version = fields.text("version")
    if problems or title is None or description is None or license_iri is None:
        listed = "\n  ".join(problems)
        raise ConfigurationError(f"{path}: the dataset's metadata is not complete:\n  {listed}")
    assert base_iri is not None
    return DatasetMetadata(
        title=title,
        description=description,
        license=license_iri,
        base_iri=base_iri,
        publisher=publisher,
        contact_point=contact,
        creators=tuple(creators),
        version=version,
        issued=issued,
        keywords=keywords,
        doi=doi,
    )


def load_manifest(path: Path, default_mapping: Path) -> Manifest:
    """Read a project's ``manifest.yaml``: the dataset's metadata, its review records and its
    collections with their sheets (laid out as ``default_mapping`` unless a sheet names a
    mapping of its own)."""
    raw = _load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: expected a table with dataset, reviews and collections")
    base = path.parent
    dataset = _dataset(path, raw.get("dataset"))
    default = load_mapping(default_mapping)
    collections = []
    for index, entry in enumerate(raw.get("collections") or []):
        where = f"{path}, collections[{index}]"
        if not isinstance(entry, dict) or "id" not in entry:
            raise ConfigurationError(f"{where}: each collection needs an id")
        kind = entry.get("kind", "review")
        if kind not in ("review", "illustrative"):
            raise ConfigurationError(f"{where}: kind must be 'review' or 'illustrative'")
        sheets = []
        for sheet in entry.get("sheets") or []:
            if not isinstance(sheet, dict) or "path" not in sheet:
                raise ConfigurationError(f"{where}: each sheet needs a path")
            mapping_name = sheet.get("mapping")
            mapping = load_mapping(base / mapping_name) if mapping_name else default
            coder_role = sheet.get("coder_role")
            if coder_role is not None and coder_role not in CODER_ROLES:
                raise ConfigurationError(
                    f"{where}, sheet {sheet['path']}: coder_role must be one of "
                    f"{', '.join(CODER_ROLES)}"
                )
            if coder_role is not None and mapping.column_for_role("coder_role"):
                raise ConfigurationError(
                    f"{where}, sheet {sheet['path']}: its layout has a coder_role column; "
                    "give the role there or in coder_role:, not both"
                )
            sheets.append(
                SheetSource(path=base / sheet["path"], mapping=mapping, coder_role=coder_role)
            )
        collections.append(
            Collection(
                id=str(entry["id"]),
                kind=kind,
                title=entry.get("title"),
                description=entry.get("description"),
                sheets=tuple(sheets),
            )
        )
    reviews = raw.get("reviews")
    alignments = raw.get("alignments")
    return Manifest(
        path=path,
        dataset=dataset,
        reviews=base / str(reviews) if reviews else None,
        alignments=base / str(alignments) if alignments else None,
        collections=tuple(collections),
    )
