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


# -- reading safely: only regular files, never more than a bound ------------------------------------

def _finishes(call, seconds: float = 5.0):
    """Run call in a daemon thread; (finished, exception). A hang fails the test instead of the suite."""
    import threading

    outcome: dict = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), outcome.get("error")


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    import os

    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    finished, error = _finishes(lambda: load_article(fifo))
    assert finished, "reading a FIFO blocked"
    assert isinstance(error, ArticleLoadError) and "FIFO" in str(error)


def test_a_link_to_dev_zero_is_refused_at_once(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    finished, error = _finishes(lambda: load_article(link))
    assert finished, "reading /dev/zero did not stop"
    assert isinstance(error, ArticleLoadError) and "character device" in str(error)


def test_a_big_file_is_refused_before_a_byte_is_read(tmp_path, monkeypatch):
    import os

    sparse = tmp_path / "sparse.txt"
    with sparse.open("wb") as handle:
        handle.truncate(1024 ** 3)  # 1 GB that costs no disk
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(ArticleLoadError, match="over the .*-byte limit"):
        load_article(sparse, max_bytes=100_000)
    assert read == []


def test_reading_stops_at_the_bound(tmp_path, monkeypatch):
    import os

    from extractor.core.article import read_regular_file

    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 10_000)
    real_stat = os.stat
    # As if the file grew between the size check and the read: reading still stops at the bound.
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: os.stat_result((*real_stat(p)[:6], 10, *real_stat(p)[7:])))
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(Exception, match="grew past the 100-byte limit"):
        read_regular_file(path, 100)
    assert sum(read) <= 101


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path, encoding):
    import codecs

    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    path = tmp_path / "wide.txt"
    path.write_bytes(bom + " date 2025-01-01 \nWiśniewska met Türkiye's envoy.".encode(encoding))
    article = load_article(path)
    assert article.text == "Wiśniewska met Türkiye's envoy." and article.published == dt.date(2025, 1, 1)


def test_utf16_without_a_bom_is_binary(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes("NATO met.".encode("utf-16-le"))
    with pytest.raises(ArticleLoadError, match="binary"):
        load_article(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_nul_byte_anywhere_is_binary(tmp_path, encoding):
    path = tmp_path / "late_nul.txt"
    path.write_bytes(("NATO met. " * 2000 + "\x00 and then more text.").encode(encoding))  # NUL after 20 KB
    with pytest.raises(ArticleLoadError, match="binary"):
        load_article(path)
