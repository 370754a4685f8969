"""Tests for arXiv-id extraction: every accepted form, every look-alike, and round-trip properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.arxiv_ids import ARCHIVES, extract_arxiv_ids, ids_from_url

# --- accepted URL forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2106.01548", "2106.01548"),
        ("http://arxiv.org/abs/2106.01548", "2106.01548"),
        ("https://www.arxiv.org/abs/2106.01548", "2106.01548"),
        ("https://export.arxiv.org/abs/2106.01548", "2106.01548"),
        ("https://ArXiv.ORG/abs/2106.01548", "2106.01548"),
        ("HTTPS://WWW.ARXIV.ORG/abs/2106.01548", "2106.01548"),
        ("arxiv.org/abs/2106.01548", "2106.01548"),
        ("https://arxiv.org/abs/2106.01548v2", "2106.01548"),
        ("https://arxiv.org/abs/2106.01548v12", "2106.01548"),
        ("https://arxiv.org/pdf/2106.01548", "2106.01548"),
        ("https://arxiv.org/pdf/2106.01548.pdf", "2106.01548"),
        ("https://arxiv.org/pdf/2106.01548v3", "2106.01548"),
        ("https://arxiv.org/pdf/2106.01548v3.pdf", "2106.01548"),
        ("https://arxiv.org/html/2106.01548", "2106.01548"),
        ("https://arxiv.org/html/2106.01548v1", "2106.01548"),
        ("https://arxiv.org/html/2106.01548v1/", "2106.01548"),
        ("https://arxiv.org/format/2106.01548", "2106.01548"),
        ("https://arxiv.org/abs/2106.01548?context=cs.LG", "2106.01548"),
        ("https://arxiv.org/abs/2106.01548#comments", "2106.01548"),
        ("https://arxiv.org/pdf/2106.01548v1.pdf?utm_source=x#page=3", "2106.01548"),
        ("https://arxiv.org:443/abs/2106.01548", "2106.01548"),
        ("  https://arxiv.org/abs/2106.01548  ", "2106.01548"),
        # four-digit numbers 0704..1412, five-digit from 1501
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://arxiv.org/abs/1412.9999", "1412.9999"),
        ("https://arxiv.org/abs/1501.00001", "1501.00001"),
        ("https://arxiv.org/abs/9912.12345", "9912.12345"),
        # old-style
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", "hep-th/9901001"),
        ("https://arxiv.org/abs/math/0101001", "math/0101001"),
        ("https://arxiv.org/abs/cs/0112017", "cs/0112017"),
        ("https://arxiv.org/abs/math.AG/0101001", "math/0101001"),
        ("https://arxiv.org/abs/cond-mat.str-el/0601001", "cond-mat/0601001"),
        ("https://arxiv.org/abs/astro-ph/9108001", "astro-ph/9108001"),
        ("https://arxiv.org/abs/alg-geom/9201001", "alg-geom/9201001"),
        ("https://arxiv.org/abs/q-alg/9512001", "q-alg/9512001"),
        ("https://arxiv.org/abs/quant-ph/0712001", "quant-ph/0712001"),
    ],
)
def test_accepted_urls(url: str, expected: str) -> None:
    assert ids_from_url(url) == [expected]
    assert extract_arxiv_ids([url]) == [expected]
    # The same URL in free text (tweets often carry the link in the text itself).
    assert extract_arxiv_ids([], f"Read this: {url.strip()} !") == [expected]


# --- rejected URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org.evil.com/abs/2106.01548",
        "https://notarxiv.org/abs/2106.01548",
        "https://evilarxiv.org/abs/2106.01548",
        "https://arxiv.org@evil.com/abs/2106.01548",
        "https://evil.com/arxiv.org/abs/2106.01548",
        "https://arxiv.com/abs/2106.01548",
        "https://arxiv.org/abs/12106.015489",
        "https://arxiv.org/abs/2106.015489",
        "https://arxiv.org/abs/2106.1548",  # 4 digits after 2015
        "https://arxiv.org/abs/1412.12345",  # 5 digits before 2015
        "https://arxiv.org/abs/0703.0001",  # new style starts in 0704
        "https://arxiv.org/abs/2113.01234",  # month 13
        "https://arxiv.org/abs/2100.01234",  # month 00
        "https://arxiv.org/abs/2106.01548abc",
        "https://arxiv.org/abs/2106.01548v",
        "https://arxiv.org/abs/2106.01548.pdf",  # .pdf only on /pdf/
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/",
        "https://arxiv.org/abs/",
        "https://arxiv.org/search/?query=2106.01548",
        "https://arxiv.org/a/smith_j_1",
        "ftp://arxiv.org/abs/2106.01548",
        "https://arxiv.org/abs/foo-th/9901001",  # unknown archive
        "https://arxiv.org/abs/hep-th/9013001",  # month 13
        "https://arxiv.org/abs/hep-th/0813001",  # 2008 is new-style only
        "https://arxiv.org/abs/hep-th/9001001",  # 1990 predates arXiv
        "https://arxiv.org/abs/hep-th/990100",  # too few digits
        "https://arxiv.org/abs/hep-th/99010011",  # too many digits
        "https://arxiv.org/abs/HEP-TH/9901001",
        "https://arxiv.org/ABS/2106.01548",  # only the host is case-insensitive
        "https://t.co/AbCdEf123",
        "http://[::1",  # unparseable
        "",
        "not a url",
    ],
)
def test_rejected_urls(url: str) -> None:
    assert ids_from_url(url) == []
    assert extract_arxiv_ids([url]) == []
    assert extract_arxiv_ids([], url) == []


# --- free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2103.14749", ["2103.14749"]),
        ("ARXIV:2103.14749", ["2103.14749"]),
        ("arxiv: 2103.14749v2", ["2103.14749"]),
        ("new paper (arXiv:2103.14749).", ["2103.14749"]),
        ("#arXiv:2103.14749, worth it", ["2103.14749"]),
        ("arXiv:hep-th/9901001v1", ["hep-th/9901001"]),
        ("arXiv:math.AG/0101001", ["math/0101001"]),
        ("arxiv.org/abs/2106.01548 and www.arxiv.org/pdf/2106.01549v1.pdf", ["2106.01548", "2106.01549"]),
        ("export.arxiv.org/abs/cs/0112017?x=1", ["cs/0112017"]),
        ("see arXiv:2103.14749 and again arXiv:2103.14749v3", ["2103.14749"]),
        ("arXiv:2103.14749\nhttps://arxiv.org/abs/1501.00001", ["2103.14749", "1501.00001"]),
    ],
)
def test_ids_in_text(text: str, expected: list[str]) -> None:
    assert extract_arxiv_ids([], text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2106.01548",  # bare id: too ambiguous without an arXiv marker
        "hep-th/9901001",
        "arxiv.org.evil.com/abs/2106.01548",
        "notarxiv.org/abs/2106.01548",
        "evilarxiv.org/abs/2106.01548",
        "https://evil.com/arxiv.org/abs/2106.01548",
        "user@arxiv.org/abs/2106.01548",
        "notarxiv:2106.01548",
        "arXiv:12106.015489",
        "arXiv:2106.015489",
        "arXiv:2106.01548.5",
        "arXiv:2106.1548",
        "arXiv:2113.01234",
        "arXiv:2106.01548abc",
        "arXiv 2106.01548",
        "arXiv:\n2106.01548",
        "arXiv:foo/9901001",
        "arxiv.org/abs/2106.01548-x",
        "arx\u0131v:2106.01548",  # dotless i: case-insensitivity is ASCII-only
        "ARX\u0130V:2106.01548",  # dotted capital I
        "arXiv:\u0662\u0661\u0660\u0666.\u0660\u0661\u0665\u0664\u0668",  # Arabic-Indic digits
    ],
)
def test_text_look_alikes_are_rejected(text: str) -> None:
    assert extract_arxiv_ids([], text) == []


def test_urls_come_first_then_text_deduplicated_in_order() -> None:
    urls = ["https://arxiv.org/abs/2106.00002", "https://t.co/xyz", "https://arxiv.org/pdf/2106.00001v2"]
    text = "arXiv:2106.00003 then arXiv:2106.00001 and arxiv.org/abs/2106.00002v4 then arXiv:2106.00004"
    assert extract_arxiv_ids(urls, text) == ["2106.00002", "2106.00001", "2106.00003", "2106.00004"]


def test_extract_accepts_any_iterable_of_urls() -> None:
    urls = (u for u in ["https://arxiv.org/abs/2106.01548"])
    assert extract_arxiv_ids(urls) == ["2106.01548"]
    assert extract_arxiv_ids([]) == []


# --- properties -----------------------------------------------------------------------------

MONTHS = st.integers(1, 12)


@st.composite
def new_style_ids(draw: st.DrawFn) -> str:
    """A valid YYMM.NNNN (0704..1412) or YYMM.NNNNN (1501..) id."""
    if draw(st.booleans()):
        year = draw(st.integers(7, 14))
        month = draw(st.integers(4 if year == 7 else 1, 12))
        return f"{year:02d}{month:02d}.{draw(st.integers(0, 9999)):04d}"
    year = draw(st.integers(15, 99))
    return f"{year:02d}{draw(MONTHS):02d}.{draw(st.integers(0, 99999)):05d}"


@st.composite
def old_style_ids(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, normalized): archive[.SUBJ]/YYMMNNN for 1991..2007."""
    archive = draw(st.sampled_from(sorted(ARCHIVES)))
    year = draw(st.sampled_from([*range(91, 100), *range(0, 8)]))
    number = f"{year:02d}{draw(MONTHS):02d}{draw(st.integers(0, 999)):03d}"
    subject = draw(st.sampled_from(["", ".AG", ".LG", ".str-el", ".GT"]))
    return f"{archive}{subject}/{number}", f"{archive}/{number}"


written_ids = new_style_ids().map(lambda i: (i, i)) | old_style_ids()
versions = st.sampled_from(["", "v1", "v2", "v9", "v10", "v123"])
hosts = st.sampled_from(["arxiv.org", "www.arxiv.org", "export.arxiv.org", "ArXiv.org", "WWW.ARXIV.ORG"])
schemes = st.sampled_from(["https://", "http://", "", "HTTPS://"])
tails = st.sampled_from(["", "/", "?context=cs", "#section", "?a=1&b=2#x"])


@st.composite
def arxiv_urls(draw: st.DrawFn) -> tuple[str, str]:
    """(url, expected id) over every accepted URL form."""
    written, normalized = draw(written_ids)
    page = draw(st.sampled_from(["abs", "pdf", "html", "format"]))
    suffix = draw(st.sampled_from(["", ".pdf"])) if page == "pdf" else ""
    tail = draw(tails)
    url = f"{draw(schemes)}{draw(hosts)}/{page}/{written}{draw(versions)}{suffix}{tail}"
    return url, normalized


@settings(max_examples=300, deadline=None)
@given(arxiv_urls())
def test_url_round_trip(case: tuple[str, str]) -> None:
    url, expected = case
    assert ids_from_url(url) == [expected]
    assert extract_arxiv_ids([url]) == [expected]


@st.composite
def arxiv_mentions(draw: st.DrawFn) -> tuple[str, str]:
    """(``arXiv:ID`` mention, expected id)."""
    written, normalized = draw(written_ids)
    prefix = draw(st.sampled_from(["arXiv:", "arxiv:", "ARXIV: ", "arXiv :"]))
    return f"{prefix}{written}{draw(versions)}", normalized


separators = st.sampled_from([" ", "\n", " (", ": ", " — ", "\t", ", "])
closers = st.sampled_from(["", " ", ".", ",", ")", "!", " …"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(arxiv_urls() | arxiv_mentions(), separators), min_size=1, max_size=5),
    closers,
)
def test_text_round_trip(citations: list[tuple[tuple[str, str], str]], closer: str) -> None:
    text = "Hot take" + "".join(sep + cited for (cited, _), sep in citations) + closer
    expected = [arxiv_id for (_, arxiv_id), _ in citations]
    assert extract_arxiv_ids([], text) == list(dict.fromkeys(expected))


@settings(max_examples=300, deadline=None)
@given(st.text().filter(lambda t: "arxiv" not in t.lower()))
def test_text_without_arxiv_yields_nothing(text: str) -> None:
    assert extract_arxiv_ids([], text) == []
    assert ids_from_url(text) == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789./:vabshtpxr-", max_size=40))
def test_digit_soup_without_arxiv_yields_nothing(text: str) -> None:
    """Id-shaped noise (digits, dots, versions) must never match without an arXiv marker."""
    assert extract_arxiv_ids([], text) == []


@settings(max_examples=200, deadline=None)
@given(new_style_ids(), st.integers(0, 9), st.integers(0, 9))
def test_ids_inside_longer_digit_runs_are_rejected(arxiv_id: str, before: int, after: int) -> None:
    assert extract_arxiv_ids([], f"arXiv:{before}{arxiv_id}") == []
    assert extract_arxiv_ids([], f"arXiv:{arxiv_id}{after}") == []
    assert ids_from_url(f"https://arxiv.org/abs/{before}{arxiv_id}") == []
    assert ids_from_url(f"https://arxiv.org/abs/{arxiv_id}{after}") == []


@settings(max_examples=200, deadline=None)
@given(arxiv_urls(), st.sampled_from(["evil", "not", "my-", "x."]))
def test_prefixed_hosts_are_rejected(case: tuple[str, str], prefix: str) -> None:
    url, _ = case
    host_start = url.lower().find("arxiv.org")
    if url.lower()[:host_start].endswith(("www.", "export.")):
        host_start = url.lower().rfind("/", 0, host_start) + 1
    spoofed = url[:host_start] + prefix + url[host_start:]
    assert ids_from_url(spoofed) == []
    assert extract_arxiv_ids([], spoofed) == []
