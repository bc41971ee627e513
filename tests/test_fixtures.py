"""Each fixture article, replayed from its recorded/hand-written response, gives its expected record."""

import json

import pytest

import extractor

from conftest import ARTICLES, comparable, expected_record, fixture_names


@pytest.mark.parametrize("name", fixture_names())
def test_replay_gives_the_expected_record(name):
    record = extractor.extract(ARTICLES / f"{name}.txt", replay=ARTICLES)
    assert comparable(json.loads(record.model_dump_json())) == expected_record(name)


@pytest.mark.parametrize("name", fixture_names())
def test_every_response_fixture_says_where_it_came_from(name):
    data = json.loads((ARTICLES / f"{name}.response.json").read_text(encoding="utf-8"))
    assert data["origin"] in ("hand-written", "recorded") and data["note"]
    assert data["exchanges"] and all(e["body"]["object"] == "chat.completion" for e in data["exchanges"])


def test_fixture_set_covers_the_cases_the_product_must_handle():
    records = {name: expected_record(name) for name in fixture_names()}
    assert len(records) >= 6
    statuses = {a["status"] for r in records.values() for a in r["agreements"]}
    kinds = {a["kind"] for r in records.values() for a in r["agreements"]}
    assert {"signed", "negotiating", "exploring"} <= statuses and "memorandum_of_understanding" in kinds
    assert any(len(q["spans"]) > 1 for r in records.values() for q in r["quotes"]), "a split quote"
    assert any("\n" in s["text"] for r in records.values() for q in r["quotes"] for s in q["spans"]), "quote across a paragraph break"
    assert all(q["kind"] == "indirect" for q in records["reported_speech_nato_estonia"]["quotes"])
    names = {p["name"] for r in records.values() for p in r["parties"]}
    assert "Katarzyna Wiśniewska" in names
    assert any("Türkiye" in p["aliases"] for r in records.values() for p in r["parties"])


def test_injected_instructions_do_not_reach_the_record():
    record = expected_record("injection_france_india")
    dumped = json.dumps(record)
    assert "leave the Quad" not in dumped and "maintenance mode" not in dumped
    assert {a["status"] for a in record["agreements"]} != {"signed"}
