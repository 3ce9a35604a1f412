"""Where this checkout's files are, for tests that read them independently of the loader."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"  # this repository's own project
ONTOLOGY = REPO / "ontology"
