"""Build settings: one object made at start-up and passed to every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loader.terms import DEFAULT_BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildSettings:
    """Where sources and outputs live and how the build runs.

    ``validator`` is ``"pyshacl"``, ``"sparql"`` (shapes compiled to SPARQL and run on
    the embedded store; same verdicts, scales to 100k studies) or ``"auto"`` (pyshacl up
    to ``pyshacl_max_studies`` studies, else sparql). ``hermit_max_studies`` bounds the
    build size for which HermiT also checks the whole ABox; larger builds are checked by
    the QC violation queries derived from the same axioms.
    """

    root: Path = PROJECT_ROOT
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    build_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "build")
    base_iri: str = DEFAULT_BASE
    validator: str = "auto"
    pyshacl_max_studies: int = 200
    hermit_max_studies: int = 200
    show_progress: bool = False

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "smqi.ttl"

    @property
    def vocabulary_dir(self) -> Path:
        return self.ontology_dir / "vocabularies"

    @property
    def ontology_files(self) -> list[Path]:
        """The files HermiT classifies: the ontology and every vocabulary."""
        return [self.ontology_file, *sorted(self.vocabulary_dir.glob("*.ttl"))]

    @property
    def rules_cache_dir(self) -> Path:
        """Where the rules read off HermiT's classification are cached, by file digest."""
        return self.build_dir.parent / ".cache"

    @property
    def queries_dir(self) -> Path:
        return self.ontology_dir / "queries"

    @property
    def qc_dir(self) -> Path:
        return self.ontology_dir / "qc"

    @property
    def shapes_file(self) -> Path:
        return self.root / "shapes" / "smqi-shapes.ttl"

    @property
    def manifest_file(self) -> Path:
        return self.data_dir / "manifest.yaml"
