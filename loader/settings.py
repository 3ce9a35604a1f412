"""Build settings: one object made at start-up and passed to every stage.

Two places are involved. The *project* is a review team's folder (``smqi init`` writes one):
its ``manifest.yaml``, sheets, mappings and vocabulary extensions, and the build it
publishes. The *resources* are what this package ships: the ontology, its vocabularies,
the shapes, the queries, the QC checks, the default mapping and the concept alignments.
Every team's graph uses the same resources, so that graphs can be queried together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smqi.loader.terms import DEFAULT_BASE

# Where the shipped resources are: the repository in a checkout (loader/ and ontology/ are
# siblings there), ``site-packages/smqi`` in an installed wheel (smqi/loader, smqi/ontology).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.yaml"
DEFAULT_MAPPING = "mappings/extraction-template.yaml"
ALIGNMENTS = "concept-alignments.sssom.tsv"


@dataclass(frozen=True)
class SheetLimits:
    """What a sheet may hold, so that a hostile or broken file is refused in bounded time
    and memory (an 860 KB workbook can declare six million rows, or unpack a shared
    string of a gigabyte). A project may raise them in its manifest (``limits:``).

    The defaults are far above a review's needs (reviews code tens to thousands of
    studies), and below what this machine reads in seconds.
    """

    max_file_bytes: int = 256 * 1024 * 1024  # the sheet file itself
    max_unpacked_bytes: int = 200 * 1024 * 1024  # an XLSX's members, unpacked, in all
    max_rows: int = 100_000
    max_columns: int = 256
    max_cell_chars: int = 32_767  # Excel's own limit for a cell
    max_problems: int = 1_000  # problems kept and reported; the rest are counted

    @classmethod
    def from_mapping(cls, raw: object) -> SheetLimits:
        """Limits from a manifest's ``limits:`` table (unknown names are refused)."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in raw.values()
        ):
            raise ValueError("limits must be a table of positive whole numbers")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(
                f"unknown limits {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**raw)


@dataclass(frozen=True)
class BuildSettings:
    """Where sources and outputs live and how the build runs.

    ``validator`` is ``"pyshacl"``, ``"sparql"`` (shapes compiled to SPARQL and run on
    the embedded store; same verdicts, scales to 100k studies) or ``"auto"`` (pyshacl up
    to ``pyshacl_max_studies`` studies, else sparql). ``hermit_max_studies`` bounds the
    build size for which HermiT also checks the whole ABox; larger builds are checked by
    the QC violation queries derived from the same axioms.
    """

    project_dir: Path
    build_dir: Path
    base_iri: str = DEFAULT_BASE
    validator: str = "auto"
    pyshacl_max_studies: int = 200
    hermit_max_studies: int = 200
    show_progress: bool = False
    resources: Path = PACKAGE_ROOT
    limits: SheetLimits = SheetLimits()

    @classmethod
    def for_project(
        cls, project_dir: Path, *, build_dir: Path | None = None, **options: object
    ) -> BuildSettings:
        """Settings for the project in ``project_dir``, publishing to its ``build/`` unless
        ``build_dir`` says otherwise."""
        project = Path(project_dir)
        return cls(project, build_dir or project / "build", **options)  # type: ignore[arg-type]

    # -- the project ---------------------------------------------------------------------

    @property
    def manifest_file(self) -> Path:
        return self.project_dir / MANIFEST

    @property
    def extension_dir(self) -> Path:
        """The team's own concepts, in small SKOS files (``smqi add-concept`` writes them)."""
        return self.project_dir / "vocabularies"

    @property
    def extension_files(self) -> list[Path]:
        return sorted(self.extension_dir.glob("*.ttl")) if self.extension_dir.is_dir() else []

    @property
    def default_mapping(self) -> Path:
        """The project's copy of the default layout if it has one, else the shipped one."""
        own = self.project_dir / DEFAULT_MAPPING
        return own if own.is_file() else self.resources / "data" / DEFAULT_MAPPING

    @property
    def cache_dir(self) -> Path:
        """What the tool keeps for a project to save work, never published: beside the build."""
        return self.build_dir.parent / ".cache"

    @property
    def rules_cache_dir(self) -> Path:
        """Where the rules read off HermiT's classification are cached, by file digest."""
        return self.cache_dir

    # -- the shipped resources -------------------------------------------------------------

    @property
    def ontology_dir(self) -> Path:
        return self.resources / "ontology"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "smqi.ttl"

    @property
    def vocabulary_dir(self) -> Path:
        return self.ontology_dir / "vocabularies"

    @property
    def shipped_vocabulary_files(self) -> list[Path]:
        """Our schemes (``loader.shared``: their graph is shared by every project)."""
        return sorted(self.vocabulary_dir.glob("*.ttl"))

    @property
    def vocabulary_files(self) -> list[Path]:
        """Our schemes, then the project's extensions."""
        return [*self.shipped_vocabulary_files, *self.extension_files]

    @property
    def ontology_files(self) -> list[Path]:
        """The files HermiT classifies: the ontology and every vocabulary."""
        return [self.ontology_file, *self.vocabulary_files]

    @property
    def queries_dir(self) -> Path:
        return self.ontology_dir / "queries"

    @property
    def qc_dir(self) -> Path:
        return self.ontology_dir / "qc"

    @property
    def shapes_file(self) -> Path:
        return self.resources / "shapes" / "smqi-shapes.ttl"

    @property
    def alignments_file(self) -> Path:
        """The confirmed MeSH / Wikidata alignments of our concepts (an SSSOM table)."""
        return self.resources / "data" / ALIGNMENTS
