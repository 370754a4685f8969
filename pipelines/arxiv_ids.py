"""Find the arXiv ids a tweet cites.

Tweets cite papers through arxiv.org links (abs/pdf/html/format pages) or an
``arXiv:ID`` mention. Ids come back normalized (no version, old-style subject
class dropped) so a tweet about v1 and one about v3 count for the same paper.
Anything that merely looks like arXiv (other hosts, ids inside longer numbers,
impossible year-months) is rejected, because a false match inflates a paper's
share count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

__all__ = ["ARCHIVES", "ids_from_url", "extract_arxiv_ids"]

ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})

ARCHIVES = frozenset(
    {
        # current archives that had old-style (pre-2007-04) ids
        "hep-th", "hep-ph", "hep-lat", "hep-ex", "astro-ph", "cond-mat", "gr-qc",
        "nucl-th", "nucl-ex", "quant-ph", "math-ph", "nlin", "physics", "math", "cs",
        "q-bio", "q-fin", "stat", "eess", "econ",
        # retired archives
        "alg-geom", "chao-dyn", "cmp-lg", "dg-ga", "funct-an", "mtrl-th", "patt-sol",
        "solv-int", "supr-con", "chem-ph", "comp-gas", "adap-org", "ao-sci", "atom-ph",
        "bayes-an", "acc-phys", "plasm-ph", "q-alg",
    }
)  # fmt: skip

# The id itself; which alternative matched is validated in Python (_normalize).
_ID = (
    r"(?:(?P<yymm>\d{4})\.(?P<number>\d{4,5})"
    r"|(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?/(?P<old>\d{7}))"
)
_VERSION = r"(?:v[1-9]\d*)?"
# Not followed by more id-like characters: rejects "2106.015489", "2106.01548abc", "2106.01548.5".
_END = r"(?![\w-]|\.\w)"
_PAGE = r"/(?:abs|(?P<pdf>pdf)|html|format)/"
_PDF_SUFFIX = r"(?(pdf)(?:\.pdf)?)"  # ".pdf" only after a /pdf/ page

_URL_PATH = re.compile(_PAGE + _ID + _VERSION + _PDF_SUFFIX + r"/?", re.ASCII)
_IN_TEXT = re.compile(
    r"(?<![\w.@/-])"  # not glued to a longer host or path ("notarxiv.org", "x.com/arxiv.org")
    r"(?:(?i:https?://)?(?i:(?:www\.|export\.)?arxiv\.org)(?::\d{1,5})?" + _PAGE
    + r"|(?i:arxiv)[ \t]*:[ \t]*)"
    + _ID + _VERSION + _PDF_SUFFIX + _END,
    re.ASCII,
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def ids_from_url(url: str) -> list[str]:
    """The arXiv id a single URL points at ([] when it is not an arxiv.org paper URL).

    Parsed strictly (exact host, whole path) because tweet entities give the expanded URL.
    """
    url = url.strip()
    if not _SCHEME.match(url):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return []
    if parts.scheme.lower() not in ("http", "https") or host not in ARXIV_HOSTS:
        return []
    match = _URL_PATH.fullmatch(parts.path)
    if match is None:
        return []
    arxiv_id = _normalize(match)
    return [arxiv_id] if arxiv_id else []


def extract_arxiv_ids(urls: Iterable[str], text: str = "") -> list[str]:
    """All arXiv ids cited by a tweet: its URLs first, then its text; deduplicated, in order."""
    found: list[str] = []
    for url in urls:
        found.extend(ids_from_url(url))
    found.extend(_ids_in_text(text))
    return list(dict.fromkeys(found))


def _ids_in_text(text: str) -> Iterator[str]:
    """Ids from arxiv.org URLs and ``arXiv:ID`` mentions in free text."""
    for match in _IN_TEXT.finditer(text):
        arxiv_id = _normalize(match)
        if arxiv_id:
            yield arxiv_id


def _normalize(match: re.Match[str]) -> str | None:
    """The versionless id for a regex match, or None when it is not a possible arXiv id."""
    if match["yymm"] is not None:
        yymm, number = match["yymm"], match["number"]
        return f"{yymm}.{number}" if _valid_new_style(yymm, number) else None
    archive, digits = match["archive"], match["old"]
    return f"{archive}/{digits}" if _valid_old_style(archive, digits) else None


def _valid_new_style(yymm: str, number: str) -> bool:
    """YYMM.NNNN from 0704 to 1412, YYMM.NNNNN from 1501 on (arXiv widened numbers in 2015)."""
    if not 1 <= int(yymm[2:]) <= 12:
        return False
    if len(number) == 4:
        return 704 <= int(yymm) <= 1412
    return int(yymm) >= 1501


def _valid_old_style(archive: str, digits: str) -> bool:
    """archive/YYMMNNN for a known archive, 1991-2007, month 01-12."""
    year, month = int(digits[:2]), int(digits[2:4])
    return archive in ARCHIVES and (year >= 91 or year <= 7) and 1 <= month <= 12
