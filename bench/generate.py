#!/usr/bin/env python
"""Deterministic, seeded generator of Hot Papers data at realistic volumes.

    python bench/generate.py --size small|full|tiny --out /tmp/hotpapers-bench/small
    python bench/generate.py --papers 150000 --tweets 5000000 --days 0 --out DIR   # explicit sizes

What it writes under ``--out`` (the project's own layouts, see docs/architecture.md):

* ``raw/arxiv_papers/listing_date=D/data.parquet`` (PAPERS_SCHEMA) and
  ``raw/x_tweets/listing_date=D/data.parquet`` (TWEETS_SCHEMA) for every listing date of the history,
  written with ``pipelines.rawstore.write_partition``: exactly ``--papers`` and ``--tweets`` rows.
* ``recorded/<date>/`` (manifest.json, arxiv/page-NNNN.xml, x/page-NNNN.json, the embedded sample's
  format, served by ``pipelines.sources.replay.RecordedApi``): what the APIs answer at the next daily
  tick — the arXiv listing of the next listing date (Atom pages of ≤ ``--arxiv-page-size`` entries) and
  the X recent-search pages (≤ 100 tweets, retweets included) of that date and of the refreshed ones
  (``refresh_listings``, the pipeline's HOTPAPERS_REFRESH_LISTINGS: 3, 1 at the tiny size).
* ``recorded/ingest/``: Atom pages of ``--ingest-papers`` history papers for the ingestion benchmark.
* ``bench.json``: parameters, calendar, row counts, and the minimum request counts of the daily run.

The data model (everything is a pure function of the seed and the sizes):

* Calendar: every listing date of one year (``pipelines.calendar``, with holidays), papers' ``published``
  drawn over the submission windows (weekends at 45 %), so each paper lands in its real listing date.
* Papers: cs.LG / cs.CV / cs.CL / cs.AI heavy, other cs.*, stat.ML and a few non-cs primaries cross-listed
  to cs; 0–4 cross-lists; 1–30 authors; ids YYMM.NNNNN in submission order; some v2/v3.
* Tweets: ~30 % from ~25 category bots, the rest from Zipf-distributed accounts (a few accounts post most);
  each cites papers weighted by a Pareto popularity, posted hours after the announcement (some cite two
  papers, old papers, non-cs papers, or no id at all); engagement lognormal × account fame × paper
  popularity (heavy-tailed). Every URL form the extractor accepts: abs, pdf, .pdf, vN, html, export./www.
  hosts, http, trailing slash, old-style ids with subject class, ``arXiv:ID`` and bare URLs in the text.
* Snapshots: each X fetch of listing date D holds every tweet posted in D's window (announcement + 3 days,
  up to the fetch time), so one tweet appears in the fetches of 2–3 consecutive listing dates with metrics
  growing with the snapshot time; a few snapshots are missing (the exact ``--tweets`` count is reached by
  dropping random snapshot rows). Retweets exist only in the recorded pages (the pipeline drops them).
* ``cited_arxiv_ids`` is built from the ids the generator wrote (vectorized) and checked against
  ``pipelines.arxiv_ids.extract_arxiv_ids`` on a sample (all rows at small sizes): a mismatch aborts.

Randomness: ``random.Random(f"{seed}/{stream}").randbytes`` turned into vectors with pyarrow/polars (numpy
is not installed here), one stream per component.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402

from pipelines.arxiv_ids import extract_arxiv_ids  # noqa: E402
from pipelines.calendar import (  # noqa: E402
    announcement_time,
    listing_dates_between,
    next_listing_date,
    previous_listing_date,
    submission_window,
)
from pipelines.categories import expand_categories  # noqa: E402
from pipelines.rawstore import write_partition  # noqa: E402
from pipelines.sources.arxiv_listing import PAPERS_SCHEMA, listing_query  # noqa: E402
from pipelines.sources.x_search import TWEETS_SCHEMA  # noqa: E402
from tests.loopback import atom_feed, http_date  # noqa: E402  (the project's recorded-page format)

# --- parameters ---------------------------------------------------------------------------------

END_DATE = date(2025, 12, 30)  # last listing date of the history; the daily run adds the next one
HOLIDAYS = (date(2025, 1, 1), date(2025, 11, 27), date(2025, 12, 25))
X_WINDOW_DAYS = 3  # the pipeline's default X_WINDOW_DAYS
CATEGORIES = ("cs.*", "stat.ML")  # the pipeline's default HOTPAPERS_CATEGORIES
US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
TWITTER_EPOCH_MS = 1288834974657


@dataclass(frozen=True)
class Params:
    papers: int
    tweets: int
    days: int  # listing dates of history; 0 = every listing date of the year ending END_DATE
    month_days: int  # listing dates of the "one month" history of the daily-run benchmark
    ingest_papers: int
    seed: int = 20251230
    refresh_listings: int = 3  # HOTPAPERS_REFRESH_LISTINGS: listing dates a tick refreshes (the pipeline's default)
    arxiv_page_size: int = 2000
    x_page_size: int = 100
    end_date: str = END_DATE.isoformat()


PRESETS = {
    "tiny": Params(papers=300, tweets=4_000, days=8, month_days=4, ingest_papers=500, arxiv_page_size=10, refresh_listings=1),
    "small": Params(papers=15_000, tweets=300_000, days=0, month_days=21, ingest_papers=4_000),
    "full": Params(papers=150_000, tweets=5_000_000, days=0, month_days=21, ingest_papers=20_000),
}


def log(message: str) -> None:
    print(f"[generate {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- randomness -----------------------------------------------------------------------------------


class Rng:
    """Seeded vectors of uniforms (and what follows from them) without numpy."""

    def __init__(self, seed: int, stream: str):
        self._random = random.Random(f"{seed}/{stream}")

    def uniform(self, n: int) -> pl.Series:
        """n floats in [0, 1)."""
        if n == 0:
            return pl.Series("u", [], dtype=pl.Float64)
        buffer = pa.py_buffer(self._random.randbytes(8 * n))
        raw = pl.from_arrow(pa.Array.from_buffers(pa.uint64(), n, [None, buffer]))
        return ((raw // 2048).cast(pl.Float64) * 2.0**-53).alias("u")

    def integers(self, n: int, low: int, high: int) -> pl.Series:
        """n ints in [low, high)."""
        return (low + (self.uniform(n) * (high - low)).floor()).cast(pl.Int64).clip(low, high - 1)

    def choice(self, n: int, weights) -> pl.Series:
        """n indices into ``weights``, drawn in proportion to them."""
        weights = pl.Series(weights, dtype=pl.Float64)
        cumulative = weights.cum_sum() / weights.sum()
        picked = cumulative.search_sorted(self.uniform(n), side="right")
        return picked.cast(pl.Int64).clip(0, len(weights) - 1)

    def normal(self, n: int) -> pl.Series:
        u1 = 1.0 - self.uniform(n)
        u2 = self.uniform(n)
        return (-2.0 * u1.log()).sqrt() * (2 * math.pi * u2).cos()

    def zipf_index(self, n: int, size: int) -> pl.Series:
        """Log-uniform ranks in [0, size): rank r has probability ~ 1/(r+1) (a few take most)."""
        return ((self.uniform(n) * math.log(size + 1)).exp().floor() - 1).cast(pl.Int64).clip(0, size - 1)

    def python(self) -> random.Random:
        return self._random


def pick(pool: list[str], index: pl.Series) -> pl.Series:
    return pl.Series(pool, dtype=pl.String).gather(index)


# --- vocabularies ---------------------------------------------------------------------------------

PRIMARY = {  # primary category mix of cs.* + stat.ML (+ non-cs primaries cross-listed to cs)
    "cs.LG": 19.0, "cs.CV": 17.0, "cs.CL": 12.0, "cs.AI": 6.5, "cs.RO": 4.5, "cs.CR": 4.0, "cs.SE": 2.6,
    "cs.HC": 2.2, "cs.IR": 2.0, "cs.DC": 1.6, "cs.NI": 1.4, "cs.IT": 1.6, "cs.DS": 1.4, "cs.LO": 1.0,
    "cs.CY": 1.3, "cs.SD": 0.9, "cs.GT": 0.7, "cs.NE": 0.9, "cs.SI": 0.8, "cs.DB": 0.8, "cs.CE": 0.5,
    "cs.GR": 0.6, "cs.PL": 0.6, "cs.MA": 0.5, "cs.FL": 0.3, "cs.CC": 0.4, "cs.CG": 0.3, "cs.DM": 0.4,
    "cs.MM": 0.3, "cs.AR": 0.4, "cs.ET": 0.2, "cs.PF": 0.15, "cs.NA": 0.3, "cs.SY": 0.8, "cs.OS": 0.1,
    "cs.MS": 0.1, "cs.SC": 0.1, "cs.DL": 0.1, "cs.GL": 0.02, "cs.OH": 0.1, "stat.ML": 3.0,
    "eess.IV": 1.5, "eess.SP": 1.2, "eess.AS": 0.6, "eess.SY": 0.8, "math.OC": 1.2, "stat.ME": 0.6,
    "quant-ph": 0.6, "physics.comp-ph": 0.3, "q-bio.QM": 0.3, "math.NA": 0.4, "econ.GN": 0.1,
}  # fmt: skip
CROSS = {  # cross-list targets
    "cs.LG": 25, "cs.AI": 20, "stat.ML": 9, "cs.CV": 7, "cs.CL": 6, "eess.IV": 4, "cs.RO": 3, "math.OC": 3,
    "eess.SP": 3, "cs.NE": 2, "cs.HC": 2, "cs.IR": 2, "cs.CY": 2, "eess.SY": 2, "cs.SY": 2, "stat.ME": 2,
    "cs.IT": 1, "math.IT": 1, "q-bio.QM": 1, "physics.comp-ph": 1, "eess.AS": 1, "cs.SD": 1, "cs.MA": 1,
    "cs.CR": 1, "cs.DC": 1, "cs.SE": 1, "math.ST": 1, "stat.TH": 1, "cs.GR": 1, "cs.SI": 1,
}  # fmt: skip
CS_CROSS = {"cs.LG": 40, "cs.AI": 20, "cs.CV": 12, "cs.CL": 6, "cs.NE": 4, "cs.SY": 6, "cs.IT": 4, "cs.SD": 4, "cs.NA": 4}
CROSS_COUNTS = {0: 30, 1: 35, 2: 22, 3: 10, 4: 3}
AUTHOR_COUNTS = {1: 7, 2: 13, 3: 17, 4: 17, 5: 14, 6: 10, 7: 7, 8: 5, 9: 3, 10: 2.5, 11: 1.5, 12: 1.2, 15: 1, 20: 0.5, 30: 0.2}

FIRST = (
    "Wei Li Jun Hao Yu Xin Ming Lei Jing Yan Chen Tao Hui Feng Kai Ning Sanjay Priya Arjun Ananya Rahul Deepak "
    "Kavya Rohan Aditi Vikram Hiroshi Yuki Haruto Sakura Takumi Min-jun Seo-yeon Ji-ho Anna Maria Elena Sofia "
    "Laura Julia Clara Sarah Emily Hannah Olivia Emma Grace Chloe Mia Ava James John Michael David Daniel Thomas "
    "Matthew Andrew Joshua Ryan Kevin Brian Jason Eric Adam Mark Paul Peter Lukas Jonas Felix Maximilian Niklas "
    "Pierre Louis Antoine Hugo Mathieu Nicolas Alessandro Marco Luca Giulia Francesca Pablo Javier Carlos Diego "
    "Lucía José Zoë Łukasz Mateusz Agnieszka Ivan Dmitry Alexey Olga Natalia Mehmet Ayşe Omar Fatima Ali Yusuf "
    "Noa Yonatan Amir Leila Tran Nguyễn Minh Thanh Kwame Amara Chinedu Zanele"
).split()
LAST = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Zheng Liang Xie Tang Han "
    "Cao Deng Feng Zeng Peng Kumar Sharma Singh Gupta Patel Reddy Iyer Nair Rao Das Banerjee Mukherjee Tanaka "
    "Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kim Lee Park Choi Jung Kang Cho Yoon Smith Johnson "
    "Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Taylor "
    "Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill "
    "Green Adams Baker Nelson Carter Mitchell Roberts Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker "
    "Schulz Hoffmann Dubois Moreau Laurent Lefebvre Rossi Russo Ferrari Esposito Bianchi Romano Fernández "
    "González Rodríguez Pérez Sánchez Ivanov Smirnov Kuznetsov Popov Kowalski Nowak Wiśniewski Yılmaz Kaya Demir "
    "Cohen Levi Mizrahi Hosseini Ahmadi Rezaei Nguyen Tran Pham Okafor Mensah Dlamini Silva Santos Oliveira Souza"
).split()
ADJ = (
    "Efficient Scalable Robust Provable Sparse Diffusion-Based Self-Supervised Contrastive Federated Causal "
    "Multimodal Zero-Shot Few-Shot Lightweight Adaptive Hierarchical Generative Equivariant Interpretable "
    "Differentiable Bayesian Continual Decentralized Private Fair Uncertainty-Aware Long-Context Open-Vocabulary "
    "Physics-Informed Energy-Efficient Retrieval-Augmented Instruction-Tuned Data-Efficient Agentic"
).split()
NOUN = [
    "Transformers", "Language Models", "Graph Neural Networks", "Policy Optimization", "Diffusion Models",
    "Vision Transformers", "State Space Models", "Mixture of Experts", "Neural Radiance Fields",
    "Gaussian Splatting", "Reward Models", "Vision-Language Models", "Autoencoders", "Kernel Methods",
    "Reinforcement Learning", "Speculative Decoding", "Low-Rank Adaptation", "Knowledge Distillation",
    "World Models", "Optimal Transport", "Neural Operators", "Contrastive Learning", "Attention Mechanisms",
    "Sparse Autoencoders", "Quantization", "Preference Optimization", "Tokenizers", "Embeddings",
]
TASK = [
    "Image Segmentation", "Code Generation", "Mathematical Reasoning", "Robot Manipulation", "Machine Translation",
    "Video Understanding", "Protein Design", "Autonomous Driving", "Medical Imaging", "Time Series Forecasting",
    "Question Answering", "Text-to-Image Generation", "3D Reconstruction", "Speech Recognition", "Recommendation",
    "Anomaly Detection", "Malware Detection", "Program Synthesis", "Weather Prediction", "Drug Discovery",
    "Dialogue Systems", "Object Detection", "Summarization", "Theorem Proving", "Tabular Data", "Edge Devices",
]
PROPERTY = ["Limits", "Generalization", "Sample Complexity", "Convergence", "Robustness", "Calibration", "Scaling Laws", "Emergence"]
VENUES = ["NeurIPS 2025", "ICLR 2026", "ICML 2025", "CVPR 2026", "ACL 2025", "EMNLP 2025", "AAAI 2026", "ICRA 2026"]
JOURNALS = ["IEEE Trans. Pattern Anal. Mach. Intell.", "J. Mach. Learn. Res.", "Nature Machine Intelligence", "Trans. Mach. Learn. Res."]

PHRASES = {
    "en": [
        "New paper!", "Check out our new paper:", "Excited to share our latest work", "Great read:",
        "This is a really nice result", "Our #NeurIPS2025 paper is out", "Thread on our new preprint 🧵",
        "Interesting take on scaling", "Must read 🔥", "Happy to announce", "Finally on arXiv!",
        "We release code and weights", "Fascinating paper from", "Worth a look", "A surprising finding:",
        "Paper of the day", "Cool work by my students", "Surveying the landscape", "1/ New work",
        "Strong baseline, simple idea", "Does this replicate?", "Big if true", "Very clean ablations",
    ],
    "zh": ["这篇论文很有意思", "新论文推荐：", "值得一读", "我们的新工作"],
    "ja": ["面白い論文です", "新しい論文を公開しました", "必読の論文", "論文紹介："],
    "fr": ["Nouvel article !", "Très intéressant :", "À lire absolument"],
    "de": ["Neues Paper!", "Sehr lesenswert:", "Spannende Arbeit"],
    "es": ["¡Nuevo artículo!", "Muy interesante:", "Lectura recomendada"],
    "ko": ["새 논문입니다", "흥미로운 논문", "꼭 읽어보세요"],
}
LANGS = {"en": 82, "zh": 4, "ja": 5, "fr": 2, "de": 2, "es": 2.5, "ko": 2.5}
MENTION_TEXTS = [
    "arxiv is down again?", "Reading the arxiv listing this morning", "Too many arXiv papers today",
    "arXiv: the daily firehose", "Mirror of notarxiv.org/abs/2501.01234 is not arxiv", "new on arxiv",
]
MENTION_URLS = ["https://arxiv.org/list/cs.LG/new", "https://arxiv.org/list/cs.CV/recent", "https://info.arxiv.org/help/api/index.html"]
# (written, cited): ids of papers outside the listings, including forms the extractor must normalize.
EXTERNAL_IDS = [
    ("hep-th/9901001", "hep-th/9901001"), ("math.GT/0309136", "math/0309136"), ("cond-mat/0608208", "cond-mat/0608208"),
    ("1706.03762", "1706.03762"), ("1810.04805", "1810.04805"), ("2005.14165", "2005.14165"), ("0704.0001", "0704.0001"),
    ("1412.6980", "1412.6980"), ("2303.08774", "2303.08774"), ("2106.09685", "2106.09685"), ("astro-ph/0703123", "astro-ph/0703123"),
]  # fmt: skip

# URL forms of a citation: (weight, template with {id} and {v}, is_url). Text forms put the id in the tweet text.
CITE_FORMS = [
    (40, "https://arxiv.org/abs/{id}", True),
    (8, "https://arxiv.org/abs/{id}v{v}", True),
    (11, "https://arxiv.org/pdf/{id}", True),
    (7, "https://arxiv.org/pdf/{id}v{v}", True),
    (6, "https://arxiv.org/pdf/{id}.pdf", True),
    (3, "http://arxiv.org/pdf/{id}v{v}.pdf", True),
    (4, "https://arxiv.org/html/{id}v{v}", True),
    (3, "http://export.arxiv.org/abs/{id}", True),
    (4, "https://www.arxiv.org/abs/{id}", True),
    (1, "https://arxiv.org/abs/{id}/", True),
    (1, "arxiv.org/abs/{id}", True),  # an expanded URL without scheme
    (8, "arXiv:{id}", False),
    (1, "arXiv: {id}v{v}", False),
    (3, "arxiv.org/abs/{id}", False),  # a bare URL in the text
]
BOT_CATEGORIES = [
    "cs.LG", "cs.CV", "cs.CL", "cs.AI", "cs.RO", "cs.CR", "cs.SE", "cs.HC", "cs.IR", "cs.DC", "cs.NI", "cs.IT",
    "cs.DS", "cs.LO", "cs.CY", "cs.SD", "cs.GT", "cs.NE", "cs.SI", "cs.DB", "cs.SY", "stat.ML",
]  # fmt: skip


# --- calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    dates: list[date]  # history, oldest first
    new_date: date  # the listing the daily run adds
    tick: datetime  # the daily run's schedule tick (30 min after the new listing's announcement)
    holidays: tuple[date, ...]
    refresh_listings: int

    @property
    def refreshed(self) -> list[date]:
        """The listing dates the daily run refreshes: the ``refresh_listings`` before the new one."""
        return self.dates[-self.refresh_listings :][::-1]


def make_calendar(params: Params) -> Calendar:
    end = date.fromisoformat(params.end_date)
    holidays = tuple(sorted(HOLIDAYS))
    if params.days:
        dates = [end] if end not in holidays and end.weekday() < 5 else [previous_listing_date(end, holidays)]
        while len(dates) < params.days:
            dates.insert(0, previous_listing_date(dates[0], holidays))
    else:
        dates = listing_dates_between(end - timedelta(days=364), end, holidays)
    new_date = next_listing_date(dates[-1], holidays)
    tick = announcement_time(new_date) + timedelta(minutes=30)
    return Calendar(dates, new_date, tick, holidays, params.refresh_listings)


def us(moment: datetime) -> int:
    return int(moment.timestamp()) * US


# --- papers ---------------------------------------------------------------------------------------


def draw_published(rng: Rng, n: int, start_us: int, end_us: int) -> pl.Series:
    """n submission instants (whole seconds) in [start, end), weekends at 45 % of a weekday."""
    kept = pl.Series("t", [], dtype=pl.Int64)
    while len(kept) < n:
        m = int((n - len(kept)) * 1.7) + 64
        t = (start_us + (rng.uniform(m) * (end_us - start_us)).floor().cast(pl.Int64)) // US * US
        weekday = pl.from_epoch(t, "us").dt.replace_time_zone("UTC").dt.convert_time_zone("America/New_York").dt.weekday()
        keep = rng.uniform(m) < pl.Series(weekday >= 6).cast(pl.Float64) * -0.55 + 1.0
        kept = pl.concat([kept, t.filter(keep)])
    return kept.head(n).sort()


def gen_papers(params: Params, cal: Calendar) -> pl.DataFrame:
    """History papers (exactly params.papers) and the new listing's papers, in one frame."""
    rng = Rng(params.seed, "papers")
    all_dates = cal.dates + [cal.new_date]
    windows = [submission_window(d, cal.holidays) for d in all_dates]
    history = draw_published(rng, params.papers, us(windows[0][0]), us(windows[-2][1]))
    per_listing = max(1, round(params.papers / len(cal.dates)))
    new_window = windows[-1]
    fresh = draw_published(rng, per_listing, us(new_window[0]), us(new_window[1]))
    published = pl.concat([history, fresh]).alias("published_us")
    n = len(published)
    ends = pl.Series([us(w[1]) for w in windows], dtype=pl.Int64)
    date_index = ends.search_sorted(published, side="right").cast(pl.Int64)
    dates = pl.Series("listing_date", all_dates, dtype=pl.Date)

    df = pl.DataFrame({"published_us": published, "date_index": date_index}).with_columns(
        listing_date=dates.gather(pl.Series(date_index)),
        published=pl.from_epoch("published_us", "us").dt.replace_time_zone("UTC"),
    )
    # ids in submission order within each month: YYMM.NNNNN, gaps for the rest of arXiv
    df = df.with_columns(yymm=pl.col("published").dt.strftime("%y%m"))
    df = df.with_columns(rank=pl.col("published_us").rank("ordinal").over("yymm").cast(pl.Int64))
    jitter = rng.integers(n, 0, 2)
    df = df.with_columns(number=((pl.col("rank") - 1) * 5 // 2 + 1 + pl.Series(jitter)))
    if df["number"].max() >= 60_000:
        raise SystemExit("too many papers per month for 5-digit ids; lower --papers or raise --days")
    df = df.with_columns(arxiv_id=pl.col("yymm") + "." + pl.col("number").cast(pl.String).str.zfill(5))

    version = pl.Series(rng.choice(n, [85, 12, 3]) + 1).cast(pl.Int32)
    announce = pl.Series([us(announcement_time(d)) for d in all_dates], dtype=pl.Int64)
    fetched_us = announce.gather(pl.Series(date_index)) + 30 * 60 * US + 2 * US
    updated_us = pl.Series(df["published_us"]) + (
        (rng.uniform(n) * 0.9 * (fetched_us - df["published_us"])).floor().cast(pl.Int64) // US * US
    ) * (version > 1).cast(pl.Int64)

    primaries = list(PRIMARY)
    primary = pick(primaries, rng.choice(n, list(PRIMARY.values())))
    crosses = [pick(list(CROSS), rng.choice(n, list(CROSS.values()))) for _ in range(4)]
    cs_cross = pick(list(CS_CROSS), rng.choice(n, list(CS_CROSS.values())))
    k = rng.choice(n, list(CROSS_COUNTS.values()))
    not_cs = ~(primary.str.starts_with("cs.") | (primary == "stat.ML"))
    crosses[0] = pl.Series(pl.select(pl.when(not_cs).then(cs_cross).otherwise(crosses[0])).to_series())
    k = pl.Series(pl.select(pl.when(not_cs & (k == 0)).then(1).otherwise(k)).to_series())
    categories = (
        pl.DataFrame({"p": primary, "c0": crosses[0], "c1": crosses[1], "c2": crosses[2], "c3": crosses[3], "k": k})
        .select(pl.concat_list("p", "c0", "c1", "c2", "c3").list.head(pl.col("k") + 1).list.unique(maintain_order=True))
        .to_series()
    )

    title = title_column(rng, n)
    abstract = join_pool(rng, sentence_pool(params.seed), n, 5, 12)
    authors = list_column(rng, n, AUTHOR_COUNTS, author_names(), zipf=True)
    comment_kind = rng.choice(n, [45, 10, 45])
    pages, figures = rng.integers(n, 4, 40), rng.integers(n, 1, 15)
    venue = pick(VENUES, rng.integers(n, 0, len(VENUES)))
    comment = pl.select(
        pl.when(pl.Series(comment_kind) == 0)
        .then(pages.cast(pl.String) + " pages, " + figures.cast(pl.String) + " figures")
        .when(pl.Series(comment_kind) == 1)
        .then("Accepted at " + venue + "; code: https://github.com/hotpapers-bench/" + pl.Series(df["number"]).cast(pl.String))
        .otherwise(None)
    ).to_series()
    has_journal, has_doi = rng.uniform(n) < 0.07, rng.uniform(n) < 0.08
    journal = pick(JOURNALS, rng.integers(n, 0, len(JOURNALS))) + " " + rng.integers(n, 1, 48).cast(pl.String) + " (2025)"
    doi = "10." + rng.integers(n, 1000, 9999).cast(pl.String) + "/hp." + pl.Series(df["arxiv_id"])
    popularity = (1.0 - rng.uniform(n)).pow(-1 / 1.15).clip(1.0, 5000.0) * pl.select(
        pl.when(primary.is_in(["cs.LG", "cs.CV", "cs.CL", "cs.AI"])).then(1.5).otherwise(1.0)
    ).to_series()

    return df.select("listing_date", "date_index", "arxiv_id", "published_us", "published").with_columns(
        version=version,
        title=title,
        authors=authors,
        abstract=abstract,
        primary_category=primary,
        categories=categories,
        updated=pl.from_epoch(updated_us, "us").dt.replace_time_zone("UTC"),
        comment=comment,
        journal_ref=pl.select(pl.when(has_journal).then(journal)).to_series(),
        doi=pl.select(pl.when(has_doi).then(doi)).to_series(),
        fetched_at=pl.from_epoch(fetched_us, "us").dt.replace_time_zone("UTC"),
        announce_us=announce.gather(pl.Series(date_index)),
        popularity=popularity,
    )


def title_column(rng: Rng, n: int) -> pl.Series:
    acronyms = acronym_pool()
    adj, noun, task = pick(ADJ, rng.integers(n, 0, len(ADJ))), pick(NOUN, rng.integers(n, 0, len(NOUN))), pick(TASK, rng.integers(n, 0, len(TASK)))
    name, prop = pick(acronyms, rng.integers(n, 0, len(acronyms))), pick(PROPERTY, rng.integers(n, 0, len(PROPERTY)))
    pattern = pl.Series(rng.choice(n, [40, 30, 15, 15]))
    return pl.select(
        pl.when(pattern == 0).then(adj + " " + noun + " for " + task)
        .when(pattern == 1).then(name + ": " + adj + " " + noun + " for " + task)
        .when(pattern == 2).then("On the " + prop + " of " + adj + " " + noun)
        .otherwise("Towards " + adj + " " + task + " with " + noun)
    ).to_series()  # fmt: skip


def acronym_pool() -> list[str]:
    r = random.Random("acronyms")
    letters = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
    return sorted({"".join(r.choice(letters) for _ in range(r.randint(3, 6))) + r.choice(["", "", "-2", "++", "Net"]) for _ in range(600)})


def sentence_pool(seed: int) -> list[str]:
    r = random.Random(f"{seed}/sentences")
    templates = [
        "We propose {a} {n} for {t}, which {v} {o}.",
        "Existing {n} {v2} {o} but struggle with {t}.",
        "Our method {v} {o} while requiring {q} less compute.",
        "Experiments on {k} benchmarks show that {a} {n} {v} {o}.",
        "We further analyze the {p} of {n} and show that it {v} {o}.",
        "Code and models are available at our project page.",
        "Unlike prior work on {t}, our approach {v} {o} without labels.",
        "Theoretically, we prove a bound on the {p} of {a} {n}.",
        "We introduce a new dataset of {k} million examples for {t}.",
        "Ablations confirm that each component {v} {o}.",
    ]
    verbs = ["improves", "matches", "outperforms", "scales", "stabilizes", "accelerates", "simplifies"]
    verbs2 = ["achieve strong results on", "rely on", "are limited to", "perform well on"]
    objects = ["state-of-the-art baselines", "accuracy on long inputs", "sample efficiency", "inference latency",
               "robustness to distribution shift", "the quality of generated samples", "calibration under noise"]  # fmt: skip
    out = []
    for _ in range(800):
        out.append(
            r.choice(templates).format(
                a=r.choice(ADJ).lower(), n=r.choice(NOUN).lower(), t=r.choice(TASK).lower(), v=r.choice(verbs),
                v2=r.choice(verbs2), o=r.choice(objects), q=f"{r.randint(2, 20)}x", k=r.randint(3, 40),
                p=r.choice(PROPERTY).lower(),
            )
        )  # fmt: skip
    return out


def author_names() -> list[str]:
    r = random.Random("authors")
    names = [f"{f} {l}" for f in FIRST for l in LAST]
    r.shuffle(names)
    return names


def offsets_for(counts: pl.Series) -> pa.Array:
    return pa.array([0] + counts.cum_sum().to_list(), type=pa.int32())


def list_column(rng: Rng, n: int, counts_weights: dict[int, float], pool: list[str], zipf: bool) -> pl.Series:
    """A list<string> column: per row a drawn count of items from the pool."""
    sizes = list(counts_weights)
    counts = pl.Series(sizes, dtype=pl.Int64).gather(rng.choice(n, list(counts_weights.values())))
    total = int(counts.sum())
    index = rng.zipf_index(total, len(pool)) if zipf else rng.integers(total, 0, len(pool))
    values = pick(pool, index).to_arrow().cast(pa.string())
    return pl.from_arrow(pa.ListArray.from_arrays(offsets_for(counts), values))


def join_pool(rng: Rng, pool: list[str], n: int, low: int, high: int) -> pl.Series:
    counts = rng.integers(n, low, high)
    values = pick(pool, rng.integers(int(counts.sum()), 0, len(pool))).to_arrow().cast(pa.string())
    lists = pl.from_arrow(pa.ListArray.from_arrays(offsets_for(counts), values))
    return lists.list.join(" ")


# --- tweets ---------------------------------------------------------------------------------------

KINDS = {"bot": 28, "one": 50, "two": 6, "old": 7, "external": 6, "mention": 3}


@dataclass(frozen=True)
class Fetches:
    """X fetches: fetch j holds tweets posted in [start[j], end[j]), snapshotted at fetched[j]."""

    dates: list[date]
    start: list[int]
    end: list[int]
    fetched: list[int]


def history_fetches(cal: Calendar) -> Fetches:
    """The last fetch of each history listing date: by the last refresh (``refresh_listings`` listings later), or the previous tick."""
    announce = [us(announcement_time(d)) for d in cal.dates]
    last_tick = announce[-1] + 30 * 60 * US
    fetched = [min(announce[min(i + cal.refresh_listings, len(announce) - 1)] + 30 * 60 * US, last_tick) for i in range(len(announce))]
    end = [min(a + X_WINDOW_DAYS * DAY, f) for a, f in zip(announce, fetched)]
    return Fetches(cal.dates, announce, end, fetched)


def tick_fetches(cal: Calendar) -> Fetches:
    """The fetches of the daily tick: the new listing date, then the refreshed ones (schedule order)."""
    dates = [cal.new_date] + cal.refreshed
    tick = us(cal.tick)
    announce = [us(announcement_time(d)) for d in dates]
    fetched = [tick + 60 * US * k for k in range(len(dates))]
    return Fetches(dates, announce, [min(a + X_WINDOW_DAYS * DAY, tick) for a in announce], fetched)


def gen_unique_tweets(params: Params, papers: pl.DataFrame, count: int, horizon: tuple[int, int]) -> pl.DataFrame:
    """``count`` distinct tweets (not yet placed in fetches): who, when, what they cite, final engagement."""
    rng = Rng(params.seed, f"tweets/{count}")
    n = count
    n_papers = papers.height
    kind_names = list(KINDS)
    kind = pick(kind_names, rng.choice(n, list(KINDS.values())))
    popular = rng.choice(n, papers["popularity"])
    uniform_paper = rng.integers(n, 0, n_papers)
    second = rng.choice(n, papers["popularity"])
    paper1 = pl.select(pl.when(kind == "bot").then(uniform_paper).otherwise(popular)).to_series()
    first = papers.select("arxiv_id", "announce_us", "primary_category", "title", "popularity")[paper1]
    second_id = papers["arxiv_id"].gather(second)
    second_id = pl.select(pl.when(second_id == first["arxiv_id"]).then(None).otherwise(second_id)).to_series()

    # when
    start, end = horizon
    delay_bot = (rng.uniform(n) * 6 * HOUR).cast(pl.Int64)
    delay_human = (-(1.0 - rng.uniform(n)).log() * 20 * HOUR).cast(pl.Int64)
    delay_old = (12 * DAY + rng.uniform(n) * 140 * DAY).cast(pl.Int64)
    anywhere = (start + rng.uniform(n) * (end - start)).cast(pl.Int64)
    announce = first["announce_us"]
    created_us = pl.select(
        pl.when(kind == "bot").then(announce + delay_bot)
        .when(kind.is_in(["one", "two"])).then(announce + delay_human)
        .when(kind == "old").then(announce + delay_old)
        .otherwise(anywhere)
    ).to_series() // 1000 * 1000  # X timestamps have milliseconds  # fmt: skip

    # who: bots per category, then Zipf-distributed people (the top accounts post a large share)
    humans = max(1000, n // 8)
    human = rng.zipf_index(n, humans)
    bot_of = {c: i for i, c in enumerate(BOT_CATEGORIES)}
    bot = first["primary_category"].replace_strict(bot_of, default=0, return_dtype=pl.Int64)
    is_bot = kind == "bot"
    author_idx = pl.select(pl.when(is_bot).then(bot).otherwise(human + len(BOT_CATEGORIES))).to_series()
    names = author_names()
    human_name = pick(names, (human * 7919) % len(names))
    handle_base = human_name.str.to_lowercase().str.replace_all(r"[^a-z]", "_")
    bot_cat = pick(BOT_CATEGORIES, bot.clip(0, len(BOT_CATEGORIES) - 1))
    author_name = pl.select(pl.when(is_bot).then("arXiv " + bot_cat + " bot").otherwise(human_name)).to_series()
    author_handle = pl.select(
        pl.when(is_bot).then("arxiv_" + bot_cat.str.replace(".", "_", literal=True))
        .otherwise(handle_base + "_" + (human % 997).cast(pl.String))
    ).to_series()  # fmt: skip
    author_id = (3_000_000_000 + author_idx * 17).cast(pl.String)

    # what: a citation form for each cited id, a language, a phrase
    lang = pl.select(pl.when(is_bot).then(pl.lit("en")).otherwise(pick(list(LANGS), rng.choice(n, list(LANGS.values()))))).to_series()
    phrase_pool = [p for lg in LANGS for p in PHRASES[lg]]
    phrase_offset = {lg: sum(len(PHRASES[x]) for x in list(LANGS)[: i]) for i, lg in enumerate(LANGS)}
    phrase_count = {lg: len(PHRASES[lg]) for lg in LANGS}
    u = rng.uniform(n)
    phrase_idx = (
        lang.replace_strict(phrase_offset, return_dtype=pl.Int64)
        + (u * lang.replace_strict(phrase_count, return_dtype=pl.Float64)).floor().cast(pl.Int64)
    )
    phrase = pl.select(pl.when(is_bot).then(None).otherwise(pick(phrase_pool, phrase_idx))).to_series()
    mention = pick(MENTION_TEXTS, rng.integers(n, 0, len(MENTION_TEXTS)))
    phrase = pl.select(pl.when(kind == "mention").then(mention).otherwise(phrase)).to_series()
    snippet = pl.select(
        pl.when(is_bot).then(first["title"] + " (" + first["primary_category"] + ")")
        .when((rng.uniform(n) < 0.35) & kind.is_in(["one", "two"])).then("“" + first["title"] + "”")
    ).to_series()  # fmt: skip

    external = rng.integers(n, 0, len(EXTERNAL_IDS))
    written1 = pl.select(
        pl.when(kind == "external").then(pick([w for w, _ in EXTERNAL_IDS], external)).otherwise(first["arxiv_id"])
    ).to_series()
    cited1 = pl.select(
        pl.when(kind == "external").then(pick([c for _, c in EXTERNAL_IDS], external)).otherwise(first["arxiv_id"])
    ).to_series()
    version = rng.integers(n, 1, 4).cast(pl.String)
    form1 = rng.choice(n, [w for w, _, _ in CITE_FORMS])
    bot_form = rng.choice(n, [80, 0, 20])  # bots: abs or pdf
    form1 = pl.select(pl.when(is_bot).then(bot_form).otherwise(form1)).to_series()
    url1, text1 = render_citation(form1, written1, version)
    form2 = pl.select(pl.when(rng.uniform(n) < 0.6).then(0).otherwise(11)).to_series()  # abs URL or arXiv:ID
    url2, text2 = render_citation(form2, second_id, rng.integers(n, 1, 3).cast(pl.String))
    has_second = (kind == "two") & second_id.is_not_null()
    url2 = pl.select(pl.when(has_second).then(url2)).to_series()
    text2 = pl.select(pl.when(has_second).then(text2)).to_series()
    is_mention = kind == "mention"
    mention_url = pl.select(pl.when(rng.uniform(n) < 0.5).then(pick(MENTION_URLS, rng.integers(n, 0, len(MENTION_URLS))))).to_series()
    url1 = pl.select(pl.when(is_mention).then(mention_url).otherwise(url1)).to_series()
    text1 = pl.select(pl.when(is_mention).then(None).otherwise(text1)).to_series()
    github = pl.select(
        pl.when(~is_bot & ~is_mention & (rng.uniform(n) < 0.1)).then("https://github.com/" + author_handle + "/code")
    ).to_series()

    frame = pl.DataFrame(
        {"url1": url1, "url2": url2, "github": github, "text1": text1, "text2": text2, "phrase": phrase, "snippet": snippet,
         "cited1": cited1, "cited2": second_id, "tweet_index": pl.int_range(n, eager=True, dtype=pl.Int64)}
    )  # fmt: skip
    url1_cites = url1.is_not_null() & ~is_mention
    frame = frame.with_columns(
        expanded_urls=pl.concat_list("url1", "url2", "github").list.drop_nulls(),
        cited_arxiv_ids=pl.concat_list(
            pl.when(url1_cites).then("cited1"),
            pl.when(pl.col("url2").is_not_null()).then("cited2"),
            pl.when(pl.col("text1").is_not_null()).then("cited1"),
            pl.when(pl.col("text2").is_not_null()).then("cited2"),
        ).list.drop_nulls().list.unique(maintain_order=True),
    )
    frame = frame.with_columns(n_urls=pl.col("expanded_urls").list.len())
    tco = [
        pl.when(pl.col("n_urls") > k).then(
            "https://t.co/" + ((pl.col("tweet_index") * 7919 + k * 104729 + 12345) % 10**10).cast(pl.String).str.zfill(10)
        )
        for k in range(3)
    ]
    frame = frame.with_columns(
        text=pl.concat_str(["phrase", "snippet", "text1", "text2", *tco], separator=" ", ignore_nulls=True)
    )

    # engagement (final counts): lognormal × account fame × paper popularity, heavy-tailed
    # an account's reach is its own (lognormal), independent of how much it posts
    fame = (Rng(params.seed, f"accounts/{humans}").normal(humans) * 1.5).exp().gather(human)
    noise = rng.normal(n)
    likes_human = (noise - 0.3).exp() * fame * first["popularity"].pow(0.45)
    likes_bot = (0.9 * noise - 0.4).exp() - 1.0
    likes_other = (noise - 0.7).exp() * fame
    likes = pl.select(
        pl.when(is_bot).then(likes_bot).when(kind.is_in(["one", "two"])).then(likes_human).otherwise(likes_other)
    ).to_series().clip(0, 400_000).floor().cast(pl.Int64)
    retweets = (likes * (0.08 + 0.27 * rng.uniform(n))).floor().cast(pl.Int64)
    replies = (likes * 0.1 * rng.uniform(n)).floor().cast(pl.Int64)
    quotes = (likes * 0.05 * rng.uniform(n)).floor().cast(pl.Int64)

    created_ms = created_us // 1000
    tweet_id = ((created_ms - TWITTER_EPOCH_MS) * 4_194_304 + pl.int_range(n, eager=True, dtype=pl.Int64) % 4_194_304)
    return frame.select("tweet_index", "text", "expanded_urls", "cited_arxiv_ids").with_columns(
        kind=kind,
        tweet_id=tweet_id.cast(pl.String),
        tweet_num=tweet_id,
        author_id=author_id,
        author_name=author_name,
        author_handle=author_handle,
        created_us=created_us,
        lang=lang,
        final_retweets=retweets,
        final_likes=likes,
        final_replies=replies,
        final_quotes=quotes,
    )


def render_citation(form: pl.Series, written: pl.Series, version: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(expanded URL, text) of one citation in the given CITE_FORMS form; one of the two is null."""
    url_expr, text_expr = pl.lit(None, dtype=pl.String), pl.lit(None, dtype=pl.String)
    frame = pl.DataFrame({"form": form, "id": written, "v": version})
    for index, (_, template, is_url) in enumerate(CITE_FORMS):
        head, _, tail = template.partition("{id}")
        value = pl.lit(head) + pl.col("id") + pl.lit(tail.split("{v}")[0])
        if "{v}" in tail:
            value = value + pl.col("v") + pl.lit(tail.split("{v}")[1])
        if is_url:
            url_expr = pl.when(pl.col("form") == index).then(value).otherwise(url_expr)
        else:
            text_expr = pl.when(pl.col("form") == index).then(value).otherwise(text_expr)
    out = frame.select(url=pl.when(pl.col("id").is_not_null()).then(url_expr), text=pl.when(pl.col("id").is_not_null()).then(text_expr))
    return out["url"], out["text"]


def place_in_fetches(tweets: pl.DataFrame, fetches: Fetches) -> pl.DataFrame:
    """(tweet row, fetch) pairs: every fetch whose window holds the tweet's creation time."""
    starts = pl.Series(fetches.start, dtype=pl.Int64)
    order = sorted(range(len(fetches.start)), key=lambda j: fetches.start[j])
    sorted_starts = starts.gather(order)
    created = tweets["created_us"]
    last = sorted_starts.search_sorted(created, side="right").cast(pl.Int64) - 1
    pairs = (
        pl.DataFrame({"row": pl.int_range(tweets.height, eager=True, dtype=pl.Int64), "created_us": created, "last": last})
        .join(pl.DataFrame({"back": list(range(8))}, schema={"back": pl.Int64}), how="cross")
        .with_columns(pos=pl.col("last") - pl.col("back"))
        .filter((pl.col("pos") >= 0) & (pl.col("pos") < len(order)))
    )
    fetch_of_pos = pl.Series(order, dtype=pl.Int64)
    pairs = pairs.with_columns(fetch=fetch_of_pos.gather(pairs["pos"]))
    pairs = pairs.with_columns(
        start=starts.gather(pairs["fetch"]),
        end=pl.Series(fetches.end, dtype=pl.Int64).gather(pairs["fetch"]),
        fetched=pl.Series(fetches.fetched, dtype=pl.Int64).gather(pairs["fetch"]),
    )
    return pairs.filter((pl.col("created_us") >= pl.col("start")) & (pl.col("created_us") < pl.col("end"))).select(
        "row", "fetch", "fetched"
    )


def snapshot_rows(tweets: pl.DataFrame, pairs: pl.DataFrame, fetches: Fetches) -> pl.DataFrame:
    """Rows of TWEETS_SCHEMA for the given (tweet, fetch) pairs; metrics as of the fetch time."""
    rows = tweets[pairs["row"]].with_columns(fetch=pairs["fetch"], fetched_base=pairs["fetched"])
    rows = rows.with_columns(
        listing_date=pl.Series(fetches.dates, dtype=pl.Date).gather(rows["fetch"]),
        grown=1.0 - (-(pl.col("fetched_base") - pl.col("created_us")).cast(pl.Float64) / (10 * HOUR)).exp(),
    )
    # newest first, 100 a page, ~4 pages a second: the page's Date header is the snapshot time
    rows = rows.sort(["fetch", "tweet_num"], descending=[False, True])
    rows = rows.with_columns(position=pl.int_range(pl.len()).over("fetch"))
    rows = rows.with_columns(fetched_us=pl.col("fetched_base") + (pl.col("position") // 400) * US)
    return rows.with_columns(
        retweet_count=(pl.col("final_retweets") * pl.col("grown")).floor().cast(pl.Int64),
        like_count=(pl.col("final_likes") * pl.col("grown")).floor().cast(pl.Int64),
        reply_count=(pl.col("final_replies") * pl.col("grown")).floor().cast(pl.Int64),
        quote_count=(pl.col("final_quotes") * pl.col("grown")).floor().cast(pl.Int64),
        created_at=pl.from_epoch("created_us", "us").dt.replace_time_zone("UTC"),
        fetched_at=pl.from_epoch("fetched_us", "us").dt.replace_time_zone("UTC"),
    )


def gen_tweets(params: Params, cal: Calendar, papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(history rows: exactly params.tweets, tick rows: the daily run's fetches) — originals only."""
    history, tick = history_fetches(cal), tick_fetches(cal)
    horizon = (history.start[0] - 2 * DAY, us(cal.tick))
    count = max(100, int(params.tweets / 2.3))
    while True:
        tweets = gen_unique_tweets(params, papers, count, horizon)
        tweets = tweets.filter(pl.col("created_us") < horizon[1])
        pairs = place_in_fetches(tweets, history)
        log(f"{count:,} distinct tweets give {pairs.height:,} snapshot rows (want {params.tweets:,})")
        if pairs.height >= params.tweets:
            break
        count = int(count * params.tweets / max(pairs.height, 1) * 1.03) + 50
    if count > 4_194_304:
        raise SystemExit("more than 2^22 distinct tweets: tweet ids could collide")
    # exactly params.tweets rows: drop random snapshots (a tweet deleted, or missed by one fetch)
    keep = Rng(params.seed, "drop").uniform(pairs.height)
    pairs = pairs.with_columns(key=keep).sort("key").head(params.tweets).drop("key")
    rows = snapshot_rows(tweets, pairs, history)
    tick_rows = snapshot_rows(tweets, place_in_fetches(tweets, tick), tick)
    return rows, tick_rows


def check_citations(rows: pl.DataFrame, sample: int, seed: int) -> int:
    """The vectorized cited_arxiv_ids equal pipelines.arxiv_ids.extract_arxiv_ids; returns rows checked."""
    if rows.height > sample:
        index = Rng(seed, "check").integers(sample, 0, rows.height)
        rows = rows[index]
    checked = 0
    for urls, text, cited in rows.select("expanded_urls", "text", "cited_arxiv_ids").iter_rows():
        expected = extract_arxiv_ids(urls, text)
        if expected != list(cited):
            raise SystemExit(f"cited_arxiv_ids mismatch: {urls!r} {text!r}: generated {cited!r}, extractor {expected!r}")
        checked += 1
    return checked


# --- writing --------------------------------------------------------------------------------------


def to_table(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    return frame.select(schema.names).to_arrow().cast(schema)


def write_partitions(raw_dir: Path, table_name: str, frame: pl.DataFrame, schema: pa.Schema, sort_key: str) -> dict[str, int]:
    """One file per listing date through pipelines.rawstore.write_partition; rows sorted as the sources do."""
    frame = frame.sort(["listing_date", sort_key])
    table = to_table(frame, schema)
    counts: dict[str, int] = {}
    offset = 0
    for listing_date, n in frame.group_by("listing_date", maintain_order=True).len().iter_rows():
        write_partition(raw_dir, table_name, listing_date, table.slice(offset, n))
        counts[listing_date.isoformat()] = n
        offset += n
    return counts


def atom_entries(papers: pl.DataFrame) -> list[dict]:
    entries = []
    for row in papers.iter_rows(named=True):
        entry = {
            "id": f"{row['arxiv_id']}v{row['version']}",
            "published": row["published"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated": row["updated"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": row["title"],
            "summary": "  " + row["abstract"] + "\n",
            "authors": row["authors"],
            "primary_category": row["primary_category"],
            "categories": row["categories"],
        }
        for key in ("comment", "journal_ref", "doi"):
            if row[key]:
                entry[key] = row[key]
        entries.append(entry)
    return entries


def write_atom_pages(folder: Path, papers: pl.DataFrame, page_size: int, query: str, served: datetime) -> list[dict]:
    """Atom pages as the arXiv API serves the query, sorted by submission date ascending."""
    entries = atom_entries(papers.sort("published_us", "arxiv_id"))
    pages = []
    total = len(entries)
    for number, start in enumerate(range(0, max(total, 1), page_size), 1):
        body = atom_feed(entries[start : start + page_size], total_results=total, start_index=start, items_per_page=page_size, query=query)
        name = f"arxiv/page-{number:04d}.xml"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
        pages.append({"file": name, "date": http_date(served + timedelta(seconds=number)), "entries": len(entries[start : start + page_size])})
    return pages


def write_x_pages(folder: Path, rows: pl.DataFrame, retweets: pl.DataFrame, page_size: int, served: datetime) -> list[dict]:
    """X API v2 recent-search pages, newest first, following next_token; originals and retweets mixed."""
    items = pl.concat([rows.with_columns(rt_of=pl.lit(None, dtype=pl.String), rt_handle=pl.lit(None, dtype=pl.String)), retweets], how="diagonal_relaxed")
    items = items.sort("tweet_num", descending=True)
    records = items.select(
        "tweet_id", "text", "author_id", "author_name", "author_handle", "created_at", "lang", "expanded_urls",
        "retweet_count", "like_count", "reply_count", "quote_count", "rt_of", "quoted",
    ).rows()  # fmt: skip
    pages = []
    chunks = [records[i : i + page_size] for i in range(0, len(records), page_size)] or [[]]
    for number, chunk in enumerate(chunks, 1):
        tweets, users = [], {}
        for tid, text, author_id, name, handle, created, lang, urls, rt, likes, replies, quotes, rt_of, quoted in chunk:
            tweet = {
                "id": tid,
                "text": text,
                "author_id": author_id,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
                "lang": lang,
                "edit_history_tweet_ids": [tid],
                "public_metrics": {
                    "retweet_count": rt, "reply_count": replies, "like_count": likes, "quote_count": quotes,
                    "bookmark_count": likes // 20, "impression_count": likes * 37 + 11,
                },
            }  # fmt: skip
            if urls:
                entities, position = [], 0
                for k, url in enumerate(urls):
                    short = f"https://t.co/{(int(tid) // 7 + k) % 10**10:010d}"
                    found = text.find("https://t.co/", position)
                    if found >= 0:
                        end = text.find(" ", found)
                        end = len(text) if end < 0 else end
                        short = text[found:end]
                        position = end
                    entities.append({"start": max(found, 0), "end": max(found, 0) + len(short), "url": short,
                                     "expanded_url": url, "display_url": url.split("://", 1)[-1][:30]})  # fmt: skip
                tweet["entities"] = {"urls": entities}
            refs = []
            if rt_of:
                refs.append({"type": "retweeted", "id": rt_of})
            if quoted:
                refs.append({"type": "quoted", "id": quoted})
            if refs:
                tweet["referenced_tweets"] = refs
            tweets.append(tweet)
            users[author_id] = {"id": author_id, "name": name, "username": handle}
        meta: dict = {"result_count": len(tweets)}
        if tweets:
            ids = [int(t["id"]) for t in tweets]
            meta["newest_id"], meta["oldest_id"] = str(max(ids)), str(min(ids))
        if number < len(chunks):
            meta["next_token"] = f"b26v89c19zqg8o3f{number + 1:06d}"
        page: dict = {"meta": meta}
        if tweets:
            page["data"] = tweets
            page["includes"] = {"users": list(users.values())}
        name = f"x/page-{number:04d}.json"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
        pages.append({"file": name, "date": http_date(served + timedelta(seconds=(number - 1) // 4)), "tweets": len(tweets)})
    return pages


def make_retweets(params: Params, rows: pl.DataFrame, fetch_end: int, salt: int) -> pl.DataFrame:
    """Retweets of some of a fetch's tweets (popular ones more often); metrics mirror the original."""
    rng = Rng(params.seed, f"retweets/{salt}")
    n = rows.height
    chance = (0.06 + 0.02 * (rows["final_likes"] + 1).cast(pl.Float64).log()).clip(0.0, 0.6)
    picked = rows.filter(rng.uniform(n) < chance)
    m = picked.height
    delay = (-(1.0 - rng.uniform(m)).log() * 6 * HOUR).cast(pl.Int64) // 1000 * 1000
    names = author_names()
    who = rng.zipf_index(m, 50_000)
    created_us = picked["created_us"] + delay + 1000
    retweets = picked.with_columns(
        rt_of=pl.col("tweet_id"),
        quoted=pl.lit(None, dtype=pl.String),
        rt_handle=pl.col("author_handle"),
        created_us=created_us,
        author_id=(5_000_000_000 + who * 13).cast(pl.String),
        author_name=pick(names, (who * 31) % len(names)),
        author_handle="fan_" + who.cast(pl.String),
    ).filter(pl.col("created_us") < fetch_end)
    serial = pl.int_range(retweets.height, eager=True, dtype=pl.Int64)
    tweet_num = (retweets["created_us"] // 1000 - TWITTER_EPOCH_MS) * 4_194_304 + (4_194_303 - (serial * 64 + salt) % 4_194_304)
    return retweets.with_columns(
        tweet_num=tweet_num,
        tweet_id=tweet_num.cast(pl.String),
        text="RT @" + pl.col("rt_handle") + ": " + pl.col("text").str.slice(0, 100),
        created_at=pl.from_epoch("created_us", "us").dt.replace_time_zone("UTC"),
    )


# --- main -----------------------------------------------------------------------------------------


def generate(params: Params, out: Path) -> dict:
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cal = make_calendar(params)
    log(f"calendar: {len(cal.dates)} listing dates {cal.dates[0]} .. {cal.dates[-1]}, new listing {cal.new_date}")

    papers = gen_papers(params, cal)
    history_papers = papers.filter(pl.col("listing_date") != cal.new_date)
    new_papers = papers.filter(pl.col("listing_date") == cal.new_date)
    assert history_papers.height == params.papers
    paper_counts = write_partitions(out / "raw", "arxiv_papers", history_papers, PAPERS_SCHEMA, "arxiv_id")
    log(f"papers: {history_papers.height:,} in {len(paper_counts)} partitions, {new_papers.height} on {cal.new_date}")

    rows, tick_rows = gen_tweets(params, cal, papers)
    checked = check_citations(rows, 200_000 if rows.height > 400_000 else rows.height, params.seed)
    log(f"cited_arxiv_ids equal extract_arxiv_ids on {checked:,} rows")
    tweet_counts = write_partitions(out / "raw", "x_tweets", rows, TWEETS_SCHEMA, "tweet_id")
    log(f"tweets: {rows.height:,} snapshot rows of {rows['tweet_id'].n_unique():,} tweets in {len(tweet_counts)} partitions")

    # recorded pages of the daily tick: the new listing, then the refreshed listings' engagement
    recorded = out / "recorded"
    tick = tick_fetches(cal)
    query = listing_query(CATEGORIES, *submission_window(cal.new_date, cal.holidays))
    quoted_rng = Rng(params.seed, "quotes")
    per_date: dict[str, dict] = {}
    for j, listing_date in enumerate(tick.dates):
        folder = recorded / listing_date.isoformat()
        folder.mkdir(parents=True)
        fetch_rows = tick_rows.filter(pl.col("fetch") == j)
        fetch_rows = fetch_rows.with_columns(
            quoted=pl.when(quoted_rng.uniform(fetch_rows.height) < 0.04).then(pl.lit("1300000000000000000"))
        )
        retweets = make_retweets(params, fetch_rows, tick.end[j], j)
        served = datetime.fromtimestamp(tick.fetched[j] / US, timezone.utc)
        arxiv_pages = []
        if listing_date == cal.new_date:
            arxiv_pages = write_atom_pages(folder, new_papers, params.arxiv_page_size, query, served)
        x_pages = write_x_pages(folder, fetch_rows, retweets, params.x_page_size, served)
        manifest = {
            "listing_date": listing_date.isoformat(),
            "label": "BENCHMARK DATA: generated by bench/generate.py, not a live fetch",
            "arxiv_pages": [{"file": p["file"], "date": p["date"]} for p in arxiv_pages],
            "x_pages": [{"file": p["file"], "date": p["date"]} for p in x_pages],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        on_pages = fetch_rows.height + retweets.height
        per_date[listing_date.isoformat()] = {
            "new_listing": listing_date == cal.new_date,
            "arxiv_entries": new_papers.height if listing_date == cal.new_date else 0,
            "arxiv_pages": len(arxiv_pages),
            "x_originals": fetch_rows.height,
            "x_retweets": retweets.height,
            "x_tweets_on_pages": on_pages,
            "x_pages": len(x_pages),
            "min_arxiv_requests": max(1, math.ceil(new_papers.height / params.arxiv_page_size)) if listing_date == cal.new_date else 0,
            "min_x_requests": max(1, math.ceil(on_pages / params.x_page_size)),
        }
        log(f"recorded {listing_date}: {len(arxiv_pages)} arXiv pages, {len(x_pages)} X pages ({fetch_rows.height:,} tweets + {retweets.height:,} retweets)")

    # Atom pages of history papers for the ingestion benchmark
    ingest = recorded / "ingest"
    ingest.mkdir()
    sample = history_papers.tail(min(params.ingest_papers, history_papers.height))
    ingest_pages = write_atom_pages(ingest, sample, params.arxiv_page_size, "ingestion benchmark", cal.tick)
    (ingest / "manifest.json").write_text(
        json.dumps({"listing_date": cal.dates[-1].isoformat(), "label": "BENCHMARK DATA: history papers for the ingestion benchmark",
                    "arxiv_pages": [{"file": p["file"], "date": p["date"]} for p in ingest_pages], "x_pages": []}, indent=2),
        encoding="utf-8",
    )  # fmt: skip

    listed = history_papers.select(pl.col("arxiv_id").alias("cited_arxiv_ids"))
    digestible = rows.select("tweet_id", "listing_date", "cited_arxiv_ids").explode("cited_arxiv_ids").join(listed, on="cited_arxiv_ids", how="semi").height
    meta = {
        "params": asdict(params),
        "holidays": [d.isoformat() for d in cal.holidays],
        "listing_dates": [d.isoformat() for d in cal.dates],
        "month_dates": [d.isoformat() for d in cal.dates[-params.month_days :]],
        "new_date": cal.new_date.isoformat(),
        "refreshed_dates": [d.isoformat() for d in cal.refreshed],
        "tick": cal.tick.isoformat(),
        "rows": {
            "arxiv_papers": history_papers.height,
            "x_tweets": rows.height,
            "x_distinct_tweets": rows["tweet_id"].n_unique(),
            "x_rows_citing_a_listed_paper": digestible,
            "new_listing_papers": new_papers.height,
            "ingest_papers": sample.height,
        },
        "partitions": {"arxiv_papers": paper_counts, "x_tweets": tweet_counts},
        "recorded": per_date,
        "min_requests": {
            "arxiv": sum(v["min_arxiv_requests"] for v in per_date.values()),
            "x": sum(v["min_x_requests"] for v in per_date.values()),
        },
        "cited_ids_checked_rows": checked,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "bench.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    log(f"done in {meta['seconds']} s: {out}")
    return meta


def parse_args(argv: list[str] | None = None) -> tuple[Params, Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(PRESETS), default="small", help="preset sizes (default small)")
    parser.add_argument("--out", type=Path, required=True, help="data directory to (re)create")
    parser.add_argument("--papers", type=int, help="papers in the raw history")
    parser.add_argument("--tweets", type=int, help="tweet snapshot rows in the raw history")
    parser.add_argument("--days", type=int, help="listing dates of history (0: the whole year)")
    parser.add_argument("--month-days", type=int, help="listing dates of the one-month history")
    parser.add_argument("--ingest-papers", type=int, help="papers rendered as Atom pages for the ingestion benchmark")
    parser.add_argument("--arxiv-page-size", type=int, help="entries per recorded arXiv page (≤ 2000)")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    params = PRESETS[args.size]
    overrides = {
        k: v
        for k, v in {
            "papers": args.papers, "tweets": args.tweets, "days": args.days, "month_days": args.month_days,
            "ingest_papers": args.ingest_papers, "arxiv_page_size": args.arxiv_page_size, "seed": args.seed,
        }.items()
        if v is not None
    }  # fmt: skip
    params = replace(params, **overrides)
    if not 1 <= params.arxiv_page_size <= 2000:
        parser.error("--arxiv-page-size must be 1..2000 (the pipeline's ARXIV_PAGE_SIZE range)")
    expand_categories(CATEGORIES)
    return params, args.out


def main(argv: list[str] | None = None) -> None:
    params, out = parse_args(argv)
    meta = generate(params, out)
    print(json.dumps({"out": str(out), "rows": meta["rows"], "min_requests": meta["min_requests"], "seconds": meta["seconds"]}))


if __name__ == "__main__":
    main()
