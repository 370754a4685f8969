"""arXiv's category taxonomy, so configured patterns like ``cs.*`` can be checked and expanded."""

from __future__ import annotations

from fnmatch import fnmatchcase

_SUBJECTS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph "
    "flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
_STANDALONE = ("gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th", "quant-ph")

ALL_CATEGORIES: tuple[str, ...] = tuple(
    sorted([f"{archive}.{s}" for archive, subs in _SUBJECTS.items() for s in subs.split()] + list(_STANDALONE))
)


class UnknownCategory(ValueError):
    """A configured category pattern that matches nothing in arXiv's taxonomy."""


def expand_categories(patterns: tuple[str, ...]) -> list[str]:
    """Expand patterns (``cs.*``, ``stat.ML``) to concrete categories, in taxonomy order."""
    expanded: list[str] = []
    for pattern in patterns:
        matches = [c for c in ALL_CATEGORIES if fnmatchcase(c, pattern)]
        if not matches:
            raise UnknownCategory(f"unknown arXiv category {pattern!r} (e.g. cs.LG, cs.*, stat.ML)")
        expanded.extend(m for m in matches if m not in expanded)
    return expanded


def category_matches(category: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(category, p) for p in patterns)
