"""A review team's afternoon, with the built wheel in a fresh virtualenv and nothing of this
checkout on the path: init, template, fill in, add a concept, validate, build, serve.

The journey runs in a temporary folder; the only file it takes from the checkout is the
illustrative sheet, copied there as the team's filled-in data. Its wall time and the wheel's
size are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.paths import DATA, REPO

pytestmark = [pytest.mark.integration, pytest.mark.wheel, pytest.mark.reasoner]

FILL = """
import csv, sys, openpyxl
workbook = openpyxl.load_workbook(sys.argv[1])
sheet = workbook.worksheets[0]
header = [cell.value for cell in sheet[1]]
with open(sys.argv[2], encoding="utf-8", newline="") as handle:
    rows = list(csv.DictReader(handle))
for number, row in enumerate(rows, start=2):
    for column, name in enumerate(header, start=1):
        value = int(row[name]) if name == "year" else (row[name] or None)
        sheet.cell(row=number, column=column, value=value)
workbook.save(sys.argv[1])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [built] = dist.glob("smqi_evidence_graph-*.whl")
    return built


def test_the_wheel_holds_one_import_package_and_its_resources(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith("-info")}
    assert tops == {"smqi"}
    for resource in (
        "smqi/ontology/smqi.ttl",
        "smqi/ontology/vocabularies/platform.ttl",
        "smqi/ontology/queries/cq01-studies-per-concept.rq",
        "smqi/ontology/qc/disjoint-classes-violation.rq",
        "smqi/shapes/smqi-shapes.ttl",
        "smqi/data/mappings/extraction-template.yaml",
        "smqi/data/concept-alignments.sssom.tsv",
        "smqi/data/mappings/study-designs.tsv",
        "smqi/ontology/vocabularies/study-design.ttl",
        "smqi/ontology/queries/cq16-coder-disagreements.rq",
        "smqi/api/queries/concept-labels.rq",
        "smqi/api/pages/static/site.css",
    ):
        assert resource in names, resource
    # every query the API runs (Virtuoso's own in api/queries/virtuoso/ too) and every
    # front-end asset: a missing one fails only where it is used, in an installed tool
    for folder in ("queries", "pages/static", "pages/templates"):
        shipped = [
            f"smqi/api/{path.relative_to(REPO / 'api')}"
            for path in (REPO / "api" / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
        assert shipped and [n for n in shipped if n not in names] == [], folder
    assert not [n for n in names if n.startswith("smqi/data/sheets/")]  # our data is not shipped
    print(f"\nwheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB")


def test_a_team_publishes_its_graph_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, smqi = venv / "bin" / "python", venv / "bin" / "smqi"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        env=env,
        timeout=900,
    )
    installed = time.perf_counter()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(DATA / "sheets" / "illustrative-extraction.csv", work / "our-coding.csv")

    def run(*command: str, cwd: Path = work) -> str:
        done = subprocess.run(
            [str(smqi), *command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"smqi {' '.join(command)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    where = subprocess.run(
        [str(python), "-c", "import smqi.loader, sys; print(smqi.loader.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(venv)
    for name in ("api", "loader"):  # no top-level packages of those common names
        probe = subprocess.run([str(python), "-c", f"import {name}"], cwd=work, env=env)
        assert probe.returncode != 0

    run(
        "init", "review",
        "--title", "SYNTHETIC test: a team's graph",
        "--description", "A test project made by the wheel journey test.",
        "--base-iri", "https://example.org/team/id/",
        "--publisher", "Example University",
        "--contact-name", "The review team",
        "--contact-email", "team@example.org",
        "--creator", "A. Reviewer|0000-0002-1825-0097",
        "--review-id", "team-review",
        "--review-title", "A team's scoping review (test)",
    )  # fmt: skip
    project = work / "review"
    run("add-concept", "platform", "RateMDs", "--definition",
        "A website on which patients rate and review doctors.",
        "--broader", "rating and feedback websites", cwd=project)  # fmt: skip
    run("template", "-o", "sheets/extraction.xlsx", "--force", cwd=project)
    subprocess.run(
        [str(python), "-c", FILL, "sheets/extraction.xlsx", str(work / "our-coding.csv")],
        cwd=project, env=env, check=True, timeout=120,
    )  # fmt: skip
    assert "valid (30 studies)" in run("validate", "sheets/extraction.xlsx", cwd=project)
    assert "built 30 studies" in run("build", cwd=project)
    built = json.loads((project / "build" / "build.json").read_text(encoding="utf-8"))
    assert built["build_iri"].startswith("https://example.org/team/id/build/")
    assert str(REPO) not in (project / "build" / "build.json").read_text(encoding="utf-8")

    port = _free_port()
    server = subprocess.Popen(
        [str(smqi), "serve", "--port", str(port)],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        studies = _get_json(f"http://127.0.0.1:{port}/studies?limit=100", server)
        assert studies["total"] == 30
        assert all(
            s["iri"].startswith("https://example.org/team/id/study/") for s in studies["studies"]
        )
        platforms = _get_json(f"http://127.0.0.1:{port}/concepts/platform", server)
        labels = {concept["pref_label"] for concept in platforms["concepts"]}
        assert {"RateMDs", "Twitter"} <= labels
        # the map's SVG export is drawn from a template that is not HTML
        svg_url = f"http://127.0.0.1:{port}/map?rows=platform&cols=stage&format=svg"
        with urllib.request.urlopen(svg_url, timeout=30) as response:
            svg = ElementTree.fromstring(response.read())
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert "Twitter" in "".join(svg.itertext())
    finally:
        server.terminate()
        server.wait(timeout=30)
    ended = time.perf_counter()
    print(
        f"\njourney: install {installed - started:.1f} s, "
        f"init to serve {ended - installed:.1f} s, total {ended - started:.1f} s"
    )


def _get_json(url: str, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while True:
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                answer: dict[str, object] = json.loads(response.read())
                return answer
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.25)
