import datetime as dt

import pytest

from extractor import ArticleLoadError, load_article
from extractor.core.article import parse_article_text

from conftest import ARTICLES


def test_seed_header_is_removed_and_date_parsed():
    article = load_article(ARTICLES / "seed_000_netherlands_india.txt")
    assert article.published == dt.date(2025, 5, 20)
    assert article.text.startswith("Netherlands Defence Minister Ruben Brekelmans")
    assert article.id == "seed_000_netherlands_india"
    assert article.length == len(article.text)


def test_dateline_on_the_header_line():
    article = load_article(ARTICLES / "seed_003_eu_india.txt")
    assert article.published == dt.date(2025, 2, 28)
    assert article.dateline == "NEW DELHI"
    assert article.text.startswith("NEW DELHI: The European Union (EU)")  # the dateline stays in the text


def test_offsets_are_reproducible_from_source():
    first = load_article(ARTICLES / "seed_003_eu_india.txt")
    again = load_article(first.source)
    assert (again.text, again.sha256) == (first.text, first.sha256)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("WARSAW: text", "WARSAW"),
        ("THE HAGUE, May 20 (ANI) - text", "THE HAGUE"),
        ("TALLINN \u2014 text", "TALLINN"),
        ("Netherlands Defence Minister said", None),
    ],
)
def test_datelines(raw, expected):
    assert parse_article_text(" date 2025-01-01 " + raw)[2] == expected


def test_crlf_and_bom_are_normalised():
    text, published, _, warnings = parse_article_text("\ufeff date 2025-01-02 \r\nA line.\r\nB line.\rC")
    assert text == "A line.\nB line.\nC"
    assert published == dt.date(2025, 1, 2) and warnings == []


@pytest.mark.parametrize("header", [" date 2025-13-45 ", " date tomorrow ", ""])
def test_garbled_or_missing_date_gives_null_and_warning(header):
    article = load_article(header + "\nNATO met.\nMore text here.")
    assert article.published is None
    assert any("published left null" in w for w in article.load_warnings)


def test_caller_date_wins():
    article = load_article("No header here.", published="2024-12-31")
    assert article.published == dt.date(2024, 12, 31) and article.load_warnings == []


def test_text_is_not_treated_as_path():
    article = load_article("Poland and Türkiye signed an MoU.\nSecond line.")
    assert article.text.startswith("Poland")
    assert len(article.id) == 12 and article.source is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b" date 2025-01-01 \n\n  \n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"caf\xe9 latin-1", "not valid UTF-8"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleLoadError, match=message):
        load_article(path)


def test_utf8_bom_file_reads(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff date 2025-01-01 \nWiśniewska said.".encode("utf-8"))
    assert load_article(path).text == "Wiśniewska said."


def test_broken_symlink_and_directory(tmp_path):
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing.txt")
    with pytest.raises(ArticleLoadError, match="broken symlink"):
        load_article(link)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ArticleLoadError, match="directory"):
        load_article(folder)
