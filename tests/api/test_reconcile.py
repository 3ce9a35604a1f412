"""The reconciliation service over the real build, driven as OpenRefine drives it (a form
with a JSON ``queries`` object): every study of the sheet is found by its title, its DOI
and its PMID, spelt as another review might spell them, and what is not in the graph is not
matched. Expected studies come from the sheet; candidates' titles from the store."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from smqi.api.reconcile.service import StudyTitles, index_titles, reconcile
from tests.conftest import sheet_rows

from .test_evidence_api import normal, titles

pytestmark = pytest.mark.integration

study_titles = titles
STUDY = "https://w3id.org/smqi/ontology#Study"


def ask(client: TestClient, queries: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/reconcile",
        content=urlencode({"queries": json.dumps(queries)}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == set(queries)
    return answer


def test_the_manifest_describes_a_study_service(client: TestClient) -> None:
    manifest = client.get("/reconcile").json()
    assert "0.2" in manifest["versions"]
    assert manifest["defaultTypes"] == [{"id": STUDY, "name": "Study"}]
    assert manifest["identifierSpace"] == "https://w3id.org/smqi/id/study/"
    assert "{{id}}" in manifest["view"]["url"]


def test_every_study_is_found_by_its_exact_title(
    client: TestClient, study_titles: dict[str, str]
) -> None:
    rows = sheet_rows()
    answer = ask(client, {f"q{n}": {"query": row["title"]} for n, row in enumerate(rows)})
    for n, row in enumerate(rows):
        best = answer[f"q{n}"]["result"][0]
        assert study_titles[best["id"]] == normal(row["title"]), row["title"]
        assert best["match"] is True and best["score"] == 100
        assert best["type"] == [{"id": STUDY, "name": "Study"}]


def test_identifiers_spelt_otherwise_are_certain_matches(
    client: TestClient, study_titles: dict[str, str]
) -> None:
    rows = [row for row in sheet_rows() if row["doi"] and row["pmid"]]
    queries = {}
    for n, row in enumerate(rows):
        doi = f"https://doi.org/{row['doi'].upper()}"
        queries[f"doi{n}"] = {"query": "", "properties": [{"pid": "doi", "v": doi}]}
        queries[f"pmid{n}"] = {"query": f"PMID: {row['pmid']}"}
    answer = ask(client, queries)
    for n, row in enumerate(rows):
        for key in (f"doi{n}", f"pmid{n}"):
            (only,) = answer[key]["result"]
            assert only["match"] is True and only["score"] == 100
            assert study_titles[only["id"]] == normal(row["title"])


def test_a_title_spelt_otherwise_finds_the_study_without_claiming_it(
    client: TestClient, study_titles: dict[str, str]
) -> None:
    rows = sheet_rows()
    queries = {}
    for n, row in enumerate(rows):
        words = re.sub(r"[^\w\s]", " ", row["title"]).lower().split()
        longest = max(words, key=len)  # dropped: the title loses a word that tells
        queries[f"q{n}"] = {"query": " ".join(w for w in words if w != longest), "limit": 2}
    answer = ask(client, queries)
    for n, row in enumerate(rows):
        found = answer[f"q{n}"]["result"]
        assert 1 <= len(found) <= 2
        assert study_titles[found[0]["id"]] == normal(row["title"]), row["title"]
        assert all(candidate["match"] is False for candidate in found)
        assert 0 < found[0]["score"] < 100


def test_what_the_graph_does_not_hold_is_not_matched(client: TestClient) -> None:
    row = sheet_rows()[0]
    answer = ask(
        client,
        {
            "other": {"query": "Blockchain ledgers for cattle movement in alpine dairies"},
            "wrong_year": {
                "query": row["title"],
                "properties": [{"pid": "year", "v": str(int(row["year"]) + 5)}],
            },
            "not_a_study": {"query": row["title"], "type": "http://xmlns.com/foaf/0.1/Person"},
            "unknown_doi": {"query": "10.5555/not-in-the-graph"},
        },
    )
    assert not any(c["match"] for c in answer["other"]["result"])
    assert answer["wrong_year"]["result"][0]["score"] == 100
    assert answer["wrong_year"]["result"][0]["match"] is False
    assert answer["not_a_study"]["result"] == []
    assert not any(c["match"] for c in answer["unknown_doi"]["result"])


def test_queries_also_come_in_the_url_and_bad_ones_are_refused(client: TestClient) -> None:
    title = sheet_rows()[1]["title"]
    by_get = client.get("/reconcile", params={"queries": json.dumps({"q": {"query": title}})})
    assert by_get.status_code == 200
    assert by_get.json()["q"]["result"][0]["match"] is True
    for bad, says in [
        ("{not json", "not JSON"),
        ('["a list"]', "JSON object of queries"),
        ('{"q": {"query": 7}}', "must be a string"),
    ]:
        response = client.get("/reconcile", params={"queries": bad})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid-parameter"
        assert says in response.json()["message"]


def test_every_query_shape_of_the_0_2_schema_is_read(
    client: TestClient, study_titles: dict[str, str]
) -> None:
    rows = [row for row in sheet_rows() if row["doi"] and row["pmid"]]
    first, second = rows[0], rows[1]
    wrong_doi = "10.5555/not-in-the-graph"
    answer = ask(
        client,
        {
            "type list": {"query": first["title"], "type": [STUDY]},
            "type list with others": {
                "query": first["title"],
                "type": ["http://xmlns.com/foaf/0.1/Person", "Study"],
                "type_strict": "any",
            },
            "only other types": {
                "query": first["title"],
                "type": ["http://xmlns.com/foaf/0.1/Person"],
            },
            "values as a list": {
                "query": "",
                "properties": [{"pid": "doi", "v": [wrong_doi, second["doi"].upper()]}],
            },
            "an entity value": {
                "properties": [
                    {"pid": "pmid", "v": {"id": f"PMID:{second['pmid']}", "name": "a paper"}}
                ]
            },
            "a number for the year": {
                "query": first["title"],
                "properties": [{"pid": "year", "v": int(first["year"])}],
                "limit": 1.0,
            },
            "years as a list": {
                "query": first["title"],
                "properties": [{"pid": "year", "v": ["1990", first["year"]]}],
            },
        },
    )
    for key in ("type list", "type list with others", "a number for the year", "years as a list"):
        best = answer[key]["result"][0]
        assert study_titles[best["id"]] == normal(first["title"]), key
        assert best["match"] is True, key
    assert len(answer["a number for the year"]["result"]) == 1
    assert answer["only other types"]["result"] == []
    for key in ("values as a list", "an entity value"):
        (only,) = answer[key]["result"]
        assert study_titles[only["id"]] == normal(second["title"]) and only["match"] is True


def test_a_json_body_is_a_batch_and_a_post_without_queries_is_refused(
    client: TestClient, study_titles: dict[str, str]
) -> None:
    title = sheet_rows()[2]["title"]
    batch = {"q": {"query": title}}
    for body in (batch, {"queries": batch}):
        response = client.post("/reconcile", json=body)
        assert response.status_code == 200, response.text
        assert study_titles[response.json()["q"]["result"][0]["id"]] == normal(title)
    empty = client.post(
        "/reconcile", content=b"", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert empty.status_code == 400
    assert empty.headers["content-type"] == "application/problem+json"
    assert "queries=" in empty.json()["message"]
    xml = client.post("/reconcile", content=b"<q/>", headers={"Content-Type": "text/xml"})
    assert xml.status_code == 415
    no_query = client.post("/reconcile", json={"q": {"type": STUDY}})
    assert no_query.status_code == 400
    assert "needs a query or some properties" in no_query.json()["message"]


def _index(titles_by_study: dict[str, str]) -> StudyTitles:
    return index_titles(titles_by_study, {}, {study: "2020" for study in titles_by_study}, {})


def test_unspecific_and_ambiguous_titles_are_never_claimed() -> None:
    # SYNTHETIC titles, made up for this test
    made_up = "Social media for service improvement"
    titles_by_study = {f"s{n:05d}": f"{made_up} {n}" for n in range(6000)}
    titles_by_study |= {"twin-a": "A Twin Title", "twin-b": "a twin title!"}
    index = _index(titles_by_study)
    numbered = reconcile(index, "social media service improvement 4321")
    assert numbered[0].iri == "s04321" and numbered[0].match is True
    assert reconcile(index, "social media for service improvement") == []  # 6000 alike
    few = reconcile(_index(dict(list(titles_by_study.items())[:40])), "social media", limit=5)
    assert len(few) == 5 and not any(c.match for c in few)
    twins = reconcile(index, "A twin title")
    assert {c.iri for c in twins} == {"twin-a", "twin-b"}
    assert all(c.score == 100 and not c.match for c in twins)
    assert reconcile(index, "entirely unrelated words") == []


def test_the_title_index_holds_study_numbers_not_sets_of_iris() -> None:
    # SYNTHETIC titles; the layout is what kept the index under a gigabyte at 1M studies
    index = index_titles(
        {"s1": "Tweets about clinics", "s2": "Clinics on Facebook", "s3": "Blogs"},
        {"s1": "Doe"},
        {"s2": "2019"},
        {"10.5555/x": "s3", "10.5555/gone": "s9"},
    )
    assert index.studies == ("s1", "s2", "s3")
    assert {word: list(numbers) for word, numbers in index.by_word.items()} == {
        "tweets": [0], "about": [0], "clinics": [0, 1], "facebook": [1], "blogs": [2]
    }  # fmt: skip
    assert index.by_identifier == {"10.5555/x": 2}  # a study without a title is not indexed
    assert [index.name(n) for n in range(3)] == [
        "Doe (?). Tweets about clinics", "? (2019). Clinics on Facebook", "? (?). Blogs"
    ]  # fmt: skip
    best = reconcile(index, "clinics on facebook")[0]
    assert (best.iri, best.name, best.score, best.match) == (
        "s2", "? (2019). Clinics on Facebook", 100.0, True
    )  # fmt: skip
