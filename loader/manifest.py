"""The build manifest (``data/manifest.yaml``) and sheet mapping files, parsed and checked.

A mapping file declares a sheet layout: which column feeds which property of the study,
the coded record or the sheet row, how multi-valued cells are split and which concept
scheme a column's values resolve in. A new layout needs a mapping file, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loader.errors import ConfigurationError
from loader.terms import PREFIXES, XSD

DEFAULT_MAPPING = "mappings/extraction-template.yaml"
TARGETS = ("study", "record", "row")
ROLES = ("doi", "pmid", "first_author", "year", "title", "coder")
SCHEMES = (
    "platform",
    "population",
    "communication-model",
    "qi-activity",
    "model-of-use",
    "qi-cycle-stage",
    "country",
    "theme",
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
class ColumnMapping:
    column: str
    target: str
    property: str  # full IRI
    scheme: str | None = None
    separator: str | None = None
    datatype: str | None = None  # full datatype IRI, "iri", or None for a plain string
    role: str | None = None
    required: bool = False


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


@dataclass(frozen=True)
class SheetSource:
    path: Path
    mapping: Mapping


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str  # "review" (a review in reviews.yaml) or "illustrative"
    title: str | None
    description: str | None
    sheets: tuple[SheetSource, ...]


@dataclass(frozen=True)
class Manifest:
    path: Path
    title: str
    description: str
    license: str
    reviews: Path
    alignments: Path | None
    collections: tuple[Collection, ...]


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
        columns[str(column)] = ColumnMapping(
            column=str(column),
            target=target,
            property=expand_curie(str(spec["property"]), where),
            scheme=scheme,
            separator=spec.get("separator"),
            datatype=DATATYPES[datatype_name],
            role=role,
            required=bool(spec.get("required", False)),
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


def load_manifest(path: Path) -> Manifest:
    """Read ``data/manifest.yaml``: dataset description, review records, collections and sheets."""
    raw = _load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: expected a table with reviews and collections")
    base = path.parent
    dataset = raw.get("dataset") or {}
    default_mapping = load_mapping(base / DEFAULT_MAPPING)
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
            mapping_name = sheet.get("mapping")
            mapping = load_mapping(base / mapping_name) if mapping_name else default_mapping
            sheets.append(SheetSource(path=base / sheet["path"], mapping=mapping))
        collections.append(
            Collection(
                id=str(entry["id"]),
                kind=kind,
                title=entry.get("title"),
                description=entry.get("description"),
                sheets=tuple(sheets),
            )
        )
    alignments = raw.get("alignments")
    return Manifest(
        path=path,
        title=str(dataset.get("title", "SMQI Evidence Graph")),
        description=str(dataset.get("description", "")).strip(),
        license=str(dataset.get("license", "https://creativecommons.org/licenses/by/4.0/")),
        reviews=base / str(raw.get("reviews", "reviews.yaml")),
        alignments=base / alignments if alignments else None,
        collections=tuple(collections),
    )
