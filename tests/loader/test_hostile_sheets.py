"""Hostile and broken input to the loader: decompression bombs, entity expansion, damaged
workbooks, oversized sheets and cells, too many problems; and builds that race, die or lose
power. Every bomb here is made by code (no real data) and refused as a located error within
bounded time and memory, measured on `smqi validate` run as a reviewer runs it."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from smqi.loader import publish
from smqi.loader.errors import BuildInProgressError, SheetError
from smqi.loader.manifest import load_mapping
from smqi.loader.publish import BuildLock, Staging
from smqi.loader.settings import SheetLimits
from smqi.loader.sheets import read_sheet
from tests.conftest import settings_for
from tests.paths import DATA

MAPPING = load_mapping(DATA / "mappings" / "extraction-template.yaml")
COLUMNS = list(MAPPING.columns)
SMQI = Path(sys.executable).parent / "smqi"
MAX_RSS_MIB = 500
MAX_SECONDS = 30  # a sanity bound (the target, under 5 s, is measured and printed)


def _workbook(path: Path) -> Path:
    """A real workbook with the template's header and one synthetic row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append(["SYN1", "Synth", 2020, "SYNTHETIC study", *[""] * (len(COLUMNS) - 4)])
    workbook.save(path)
    return path


def _rewrite(source: Path, target: Path, replace: dict[str, bytes | None]) -> Path:
    """``source`` with some members replaced (None: keep, streamed from a generator)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = replace.get(item.filename)
            new.writestr(item.filename, data if data is not None else old.read(item.filename))
    return target


def _rows_bomb(target: Path, rows: int, declare: bool, cells: bool = True) -> Path:
    """A workbook whose sheet holds ``rows`` rows (declared in its dimension, or not), each
    with a cell or empty."""
    base = _workbook(target.with_suffix(".base.xlsx"))
    with (
        zipfile.ZipFile(base) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new,
    ):
        for item in old.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                new.writestr(item.filename, old.read(item.filename))
                continue
            with new.open(item.filename, "w", force_zip64=True) as out:
                out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
                out.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                )
                if declare:
                    out.write(f'<dimension ref="A1:T{rows}"/>'.encode())
                out.write(b"<sheetData>")
                chunk = 100_000
                for start in range(1, rows + 1, chunk):
                    stop = min(start + chunk, rows + 1)
                    cell = '<c r="A{n}" t="inlineStr"><is><t>x</t></is></c>' if cells else ""
                    out.write(
                        "".join(
                            f'<row r="{n}">{cell.format(n=n)}</row>' for n in range(start, stop)
                        ).encode()
                    )
                out.write(b"</sheetData></worksheet>")
    return target


def _shared_string_bomb(target: Path, megabytes: int) -> Path:
    base = _workbook(target.with_suffix(".base.xlsx"))
    with (
        zipfile.ZipFile(base) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new,
    ):
        for item in old.infolist():
            new.writestr(item.filename, old.read(item.filename))
        with new.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            )
            block = b"a" * (1 << 20)
            for _ in range(megabytes):
                out.write(block)
            out.write(b"</t></si></sst>")
    return target


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def _damaged(target: Path) -> Path:
    """A member whose compressed bytes are flipped (its CRC no longer matches)."""
    data = bytearray(_workbook(target.with_suffix(".base.xlsx")).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 5, start + min(info.compress_size, 40)):
        data[offset] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


# `smqi`, reporting its own peak RSS at exit. The kernel's per-process maximum
# (wait4's ru_maxrss) also counts the image the child was forked from, which is this
# test session's, so the peak is read from /proc/self/status's VmHWM, which is the
# exec'd program's own.
_MEASURED = """
import atexit, re, sys
def _peak():
    with open("/proc/self/status") as status:
        kib = re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1)
    sys.stderr.write(f"\\npeak-rss-kib {kib}\\n")
atexit.register(_peak)
from smqi.api.cli import main
sys.argv[0] = "smqi"
sys.exit(main())
"""
_PEAK = re.compile(r"\npeak-rss-kib (\d+)\n\Z")


def _validate(sheet: Path) -> tuple[int, str, float, float]:
    """Exit status, stderr, wall seconds and peak RSS (MiB) of `smqi validate SHEET`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, "validate", sheet.name],
        cwd=sheet.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - started
    err = done.stderr.decode()
    peak = _PEAK.search(err)
    assert peak, err[-500:]
    return done.returncode, err[: peak.start()], seconds, int(peak.group(1)) / 1024


def _refused(sheet: Path, *words: str) -> None:
    code, err, seconds, rss = _validate(sheet)
    print(f"\n{sheet.name}: refused in {seconds:.2f} s, peak RSS {rss:.0f} MiB")
    assert code == 1, err
    assert "Traceback" not in err
    assert sheet.name in err
    for word in words:
        assert word in err, err
    assert rss < MAX_RSS_MIB
    assert seconds < MAX_SECONDS


@pytest.mark.integration
def test_a_workbook_declaring_six_million_rows_is_refused_at_once(tmp_path: Path) -> None:
    # as the reported bomb: six million empty rows, 96 MB unpacked
    bomb = _rows_bomb(tmp_path / "declared.xlsx", 6_000_000, declare=True, cells=False)
    _refused(bomb, "100,000 rows")


@pytest.mark.integration
def test_rows_past_the_limit_are_refused_even_when_the_dimension_lies(tmp_path: Path) -> None:
    _refused(_rows_bomb(tmp_path / "undeclared.xlsx", 1_000_000, declare=False), "100,000 rows")


@pytest.mark.integration
def test_a_gigabyte_shared_string_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    _refused(_shared_string_bomb(tmp_path / "string.xlsx", 1024), "unpacks to", "sharedStrings")


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "member", "content", "words"),
    [
        ("laughs.xlsx", "xl/worksheets/sheet1.xml", LAUGHS, ("damaged or hostile",)),
        ("malformed.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row", ()),
    ],
)
def test_entity_expansion_and_malformed_xml_are_located_errors(
    tmp_path: Path, name: str, member: str, content: bytes, words: tuple[str, ...]
) -> None:
    base = _workbook(tmp_path / f"{name}.base.xlsx")
    _refused(_rewrite(base, tmp_path / name, {member: content}), "XLSX", *words)


@pytest.mark.integration
def test_a_damaged_member_is_a_located_error(tmp_path: Path) -> None:
    _refused(_damaged(tmp_path / "crc.xlsx"), "XLSX")


def test_limits_on_csv_rows_columns_and_cells(tmp_path: Path) -> None:
    limits = SheetLimits(max_rows=5, max_columns=25, max_cell_chars=100)
    header = ",".join(COLUMNS)
    (tmp_path / "rows.csv").write_text(header + "\n" + "a\n" * 6, encoding="utf-8")
    (tmp_path / "wide.csv").write_text(header + "," * 30 + "\n", encoding="utf-8")
    (tmp_path / "cell.csv").write_text(f"{header}\n{'x' * 500}\n", encoding="utf-8")
    expected = {"rows.csv": "more than 5 rows", "wide.csv": "columns", "cell.csv": "100 char"}
    for name, words in expected.items():
        with pytest.raises(SheetError, match=words) as caught:
            read_sheet(tmp_path / name, MAPPING, limits)
        assert caught.value.location.sheet == name


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    sheet = tmp_path / "big.csv"
    sheet.write_bytes(b"x" * 2048)
    with pytest.raises(SheetError, match="over the limit") as caught:
        read_sheet(sheet, MAPPING, SheetLimits(max_file_bytes=1024))
    assert caught.value.code == "too-large"


def test_a_sheet_of_many_bad_rows_lists_the_first_problems_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    rows = []
    with (DATA / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    for n in range(1500):
        row = dict(first, study_id=f"SYN{n}", doi="", pmid="", title=f"SYNTHETIC {n}")
        row["year"] = "20l6"
        rows.append(row)
    sheet = tmp_path / "many.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(first))
        writer.writeheader()
        writer.writerows(rows)
    code, err, _, _ = _validate(sheet)
    assert code == 1
    assert "error: 1500 problem(s)" in err
    assert "and 500 more not listed: the first 1000 are kept" in err


# -- builds that race, die or lose power -----------------------------------------------------


def test_a_second_build_of_a_project_refuses_while_the_first_holds_the_lock(
    tmp_path: Path,
) -> None:
    build_dir = tmp_path / "project" / "build"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from smqi.loader.publish import BuildLock\n"
            "with BuildLock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(60)",
            str(build_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(BuildInProgressError, match=f"process {holder.pid}"),
            BuildLock(build_dir),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    with BuildLock(build_dir):  # released by the kernel when its holder died
        pass


@pytest.mark.integration
@pytest.mark.reasoner
def test_a_killed_builds_staging_folder_goes_at_the_next_build_even_a_failed_one(
    data_copy: Path,
) -> None:
    from smqi.loader.build import build
    from smqi.loader.errors import InvalidSheetsError

    orphan = data_copy / "builds" / ".20260101T000000Z-dead"
    orphan.mkdir(parents=True)
    (orphan / "smqi.nq").write_bytes(b"x" * 1024)
    sheet = data_copy / "sheets" / "illustrative-extraction.csv"
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good.replace(",2016,", ",20l6,", 1), encoding="utf-8")
    with pytest.raises(InvalidSheetsError):
        build(settings_for(data_copy))
    assert not orphan.exists()
    assert not (data_copy / "build").exists()  # the failed build published nothing


def test_every_published_file_is_on_disk_before_the_link_switches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = publish._fsync, os.replace

    def fsync(path: Path, flags: int) -> None:
        events.append(("fsync", str(path)))
        real_fsync(path, flags)

    def replace(source: object, target: object) -> None:
        events.append(("replace", str(target)))
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(publish, "_fsync", fsync)
    monkeypatch.setattr(publish.os, "replace", replace)
    build_dir = tmp_path / "build"
    staging = Staging(build_dir, "20260101T000000Z")
    for name in ("smqi.nq", "build.json"):
        (staging.path / name).write_text(name, encoding="utf-8")
    (staging.path / "sources").mkdir()
    (staging.path / "sources" / "sheet.csv").write_text("a,b\n", encoding="utf-8")
    files = {str(p) for p in staging.path.rglob("*") if p.is_file()}
    staging.publish()
    first_replace = next(i for i, (kind, _) in enumerate(events) if kind == "replace")
    synced_before = {path for kind, path in events[:first_replace] if kind == "fsync"}
    assert files <= synced_before
    switched = next(i for i, e in enumerate(events) if e == ("replace", str(build_dir)))
    assert ("fsync", str(tmp_path)) in events[switched:]  # the switch itself is durable
    assert (build_dir / "sources" / "sheet.csv").read_text(encoding="utf-8") == "a,b\n"
    shutil.rmtree(tmp_path / "builds")
