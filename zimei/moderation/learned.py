"""The learned spam signal: a multinomial Naive Bayes the operator trains on their own editors'
decisions (`zimei spam train`), read by the spam check as one more rule (`learned`).

Features, on the text the check already normalised (normalize.py: width, zero-width,
confusables, traditional → simplified):

- character unigrams, bigrams and trigrams (digits read as 0, runs of spaces as one);
- shape tokens: a run of digits by its length, a Latin run by its length (and the run itself
  when it is short), a domain-like token (`xx.top`, `xx点top`, `xx。vip`) and its ending, a
  URL, a contact marker (微信, vx, qq, 扣扣, 企鹅, 飞机, 加我, 私我 …), the text's length bucket.

Scoring: log P(spam|x) − log P(normal|x) with the training priors, where the feature sum is
tempered for long texts (averaged over the features, times TEMPER features at most), so a
10,000-character article does not pile up thousands of weak votes into a certainty. The
threshold was chosen at training on held-out decisions for ≤ 1% false holds.

The model is a JSON file in the data folder (DATA_DIR/spam-model.json): the per-feature log
likelihoods of both classes, the priors, the threshold, the training counts and date. Loading
is cached per process and re-read when the file changes (one stat per check). With no file,
the rule does nothing. Our own code, no numpy or scikit-learn (docs/architecture.md): counting
in Python, matching at check time with pyahocorasick, which the lexicon already uses.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import random
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
from django.conf import settings
from django.utils import timezone
from tqdm import tqdm

from zimei.articles.models import Article
from zimei.core.audit_actions import AuditAction

from .models import AuditEntry
from .normalize import bytes_key, normalise
from .reading import read_html

log = logging.getLogger(__name__)

FORMAT = 1
TEMPER = 240  # features at most counted at full weight (about 80 characters' worth)
ALPHA = 0.5  # additive smoothing
MIN_COUNT = 2  # features seen fewer times in all the training texts are left out
MAX_FALSE_HOLDS = 0.01  # of the held-out normal texts
FOLDS = 5

_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
_DIGIT_RUN = re.compile(r"\d+")
_LATIN_RUN = re.compile(r"[a-z]+")
_DOMAIN = re.compile(
    r"[a-z0-9][a-z0-9-]*\s*(?:\.|点|。|dot|,|，)\s*(top|vip|cc|xyz|com|cn|net|me|co|io|club|site|shop|app|"
    r"pro|fun|icu|ltd|live|link|info|org|tk|in|tv)(?![a-z])"
)
_URL = re.compile(r"https?://|www\.")
_CONTACTS = tuple(
    "微信 威信 薇信 v信 vx wx qq 扣扣 企鹅 电报 飞机 tg +v 加v "
    "加我 私我 私聊 滴滴 联系 群号 主页 看我 进群 加群".split()
)


def _bucket(n: int) -> int:
    return 0 if n <= 0 else min(int(math.log2(n)) + 1, 12)


def _grams(normalised: str) -> tuple[str, str]:
    """The text as the n-grams read it (digits as 0, space runs as one) and as the shape tokens
    read it."""
    text = _SPACES.sub(" ", normalised).strip()
    return _DIGITS.sub("0", text), text


def _ngrams(grams: str):
    """Character unigrams, bigrams and trigrams (C-level maps, no Python loop; a trigram is a
    bigram plus the next character)."""
    bigrams = list(map(str.__add__, grams, grams[1:]))
    return grams, bigrams, map(str.__add__, bigrams, grams[2:])


def _shapes(text: str, n: int) -> list[str]:
    out = []
    for run in _DIGIT_RUN.findall(text):
        out.append(f"#d{min(len(run), 12)}")
    for run in _LATIN_RUN.findall(text):
        out.append(f"#l{min(len(run), 12)}")
        if len(run) <= 6:
            out.append(f"#w:{run}")
    for m in _DOMAIN.finditer(text):
        out += ["#domain", f"#tld:{m.group(1)}"]
    if _URL.search(text):
        out.append("#url")
    out += [f"#c:{marker}" for marker in _CONTACTS if marker in text]
    out.append(f"#len{_bucket(n)}")
    return out


def features(normalised: str) -> Counter:
    """The feature counts of a normalised text (see the module docstring)."""
    grams, text = _grams(normalised)
    out: Counter = Counter()
    for part in _ngrams(grams):
        out.update(part)
    out.update(_shapes(text, len(grams)))
    return out


def normalised_text(*, title: str = "", summary: str = "", body_html: str = "") -> str:
    """The text the spam check scores, normalised the same way (spam_check's own reading)."""
    reader = read_html(body_html)
    return normalise("\n".join([title or "", summary or "", "".join(reader.text), *reader.attr_text]))


def plain_to_html(text: str) -> str:
    """A plain text (a post, a line of a training file) as an article body: one paragraph a line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def read_jsonl(path) -> list[dict]:
    """Lines {"text": ..., "label": "spam"|"normal"} (or a "category", "normal" meaning normal
    and anything else spam, as in tests/data/spam_wild/). Raises ValueError on a bad line."""
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = row["text"]
                label = row.get("label") or ("normal" if row["category"] == "normal" else "spam")
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f'{path}:{number}: not a line {{"text": ..., "label": ...}} ({exc})'
                ) from None
            if label not in ("spam", "normal") or not isinstance(text, str):
                raise ValueError(f'{path}:{number}: label must be "spam" or "normal", not {label!r}')
            rows.append({"text": text, "label": label})
    return rows


def texts_of(rows: list[dict]) -> list[tuple[str, bool]]:
    """(normalised text, is_spam) of plain-text rows, read as the check reads a post's body."""
    return [(normalised_text(body_html=plain_to_html(r["text"])), r["label"] == "spam") for r in rows]


# Editors' decisions that make an article a spam example for the model. An automatic refusal
# (article.spam_reject) is the check's own verdict, so it is not learned from.
EDITOR_REFUSALS = (AuditAction.ARTICLE_REJECT, AuditAction.ARTICLE_TAKE_DOWN)


def editor_decisions(*, progress: bool = False) -> list[tuple[str, bool]]:
    """(normalised text, is_spam) from the platform's moderation history: an article an editor
    refused (rejected in review, or took down, with the audit entry to show it) and that is
    still refused is spam; a published article (approved by an editor, or published by a
    trusted creator and never taken down) is normal. A refused article is read as it was
    submitted (the working copy); a taken-down or published one as it was public."""

    refused_ids = set(
        AuditEntry.objects.filter(
            target_type=Article._meta.label_lower, action__in=EDITOR_REFUSALS
        ).values_list("target_id", flat=True)
    )
    S = Article.Status
    rows = (
        Article.objects.filter(status__in=[S.REJECTED, S.TAKEN_DOWN, S.PUBLISHED])
        .select_related("text")
        .order_by("id")
    )
    out = []
    for a in tqdm(
        rows.iterator(chunk_size=500),
        total=rows.count(),
        desc="decisions",
        unit="article",
        disable=not progress,
    ):
        if a.status == S.PUBLISHED:
            spam = False
        elif a.id in refused_ids:
            spam = True
        else:
            continue
        body = a.body
        if a.status == S.REJECTED or not body.body_hans:
            title, summary, html_ = a.title, a.summary, body.body_html
        else:
            title, summary, html_ = a.title_hans or a.title, a.summary_hans or a.summary, body.body_hans
        out.append((normalised_text(title=title, summary=summary, body_html=html_), spam))
    return out


# --- the model ----------------------------------------------------------------------------------


@dataclass
class Model:
    llr: dict[str, float]  # log p(f|spam) − log p(f|normal), computed at load
    prior: float  # log P(spam) − log P(normal)
    threshold: float  # a score at or above it holds
    meta: dict = field(default_factory=dict)
    _automaton: object = field(default=None, repr=False, compare=False)

    def score(self, feats: Counter) -> float:
        llr = self.llr
        total, n = 0.0, 0
        for f, c in feats.items():
            v = llr.get(f)
            if v is not None:
                total += v * c
                n += c
        if n > TEMPER:
            total *= TEMPER / n
        return self.prior + total

    def score_text(self, normalised: str) -> float:
        """`score(features(normalised))` without making the n-grams: every occurrence of a known
        n-gram is found by one Aho-Corasick pass (pyahocorasick, in C, over the UTF-8 bytes as
        the lexicon is matched) over the text as the n-grams read it. ~3 ms for 10,000
        characters instead of ~8 ms making and looking up 30,000 strings. The shape tokens
        ("#d3", "#w:vx" …) are looked up as usual: the few that are 3 characters long hold a
        digit from 1 to 9, which that text never does, so the automaton cannot find them."""
        grams, text = _grams(normalised)
        automaton = self.automaton()
        found = [v for _, v in automaton.iter(bytes_key(grams))] if len(automaton) else []
        total, n = sum(found), len(found)
        values = list(map(self.llr.get, _shapes(text, len(grams))))
        n += len(values) - values.count(None)
        total += sum(filter(None, values))
        if n > TEMPER:
            total *= TEMPER / n
        return self.prior + total

    def automaton(self):
        """The n-gram features (1-3 characters) in an automaton, built on first use (~40 ms)."""
        if self._automaton is None:
            a = ahocorasick.Automaton()
            for f, v in self.llr.items():
                if len(f) <= 3:
                    a.add_word(bytes_key(f), v)
            if len(a):
                a.make_automaton()
            self._automaton = a
        return self._automaton

    def probability(self, score: float) -> float:
        """The chance that a text with this score is spam, calibrated on the held-out scores
        (a logistic fit, so a naive Bayes' overconfident odds read as measured frequencies)."""
        a, b = self.meta.get("calibration", (1.0, 0.0))
        return _sigmoid(a * score + b)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def calibrate(held: list[tuple[float, bool]], steps: int = 50) -> tuple[float, float]:
    """Platt scaling: a, b of P(spam) = sigmoid(a*score + b), fitted by Newton's method on the
    held-out (score, is_spam) pairs (with a small ridge so separable data stays finite)."""
    a, b = 0.1, 0.0
    for _ in range(steps):
        ga = gb = haa = hab = hbb = 0.0
        for s, y in held:
            p = _sigmoid(a * s + b)
            d, w = p - y, p * (1 - p)
            ga, gb = ga + d * s, gb + d
            haa, hab, hbb = haa + w * s * s, hab + w * s, hbb + w
        ga, haa, hbb = ga + 1e-3 * a, haa + 1e-3, hbb + 1e-9
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return round(a, 6), round(b, 6)


def fit(samples: list[tuple[Counter, bool]]) -> tuple[dict[str, tuple[float, float]], float]:
    """Multinomial NB on (features, is_spam): per-feature log likelihoods of both classes
    (features seen fewer than MIN_COUNT times dropped) and the log prior ratio."""
    counts = {True: Counter(), False: Counter()}
    docs = Counter()
    for feats, spam in samples:
        counts[spam].update(feats)
        docs[spam] += 1
    total = counts[True] + counts[False]
    vocab = [f for f, c in total.items() if c >= MIN_COUNT]
    v = len(vocab) or 1
    denom = {k: sum(counts[k][f] for f in vocab) + ALPHA * v for k in (True, False)}
    table = {
        f: (
            math.log((counts[True][f] + ALPHA) / denom[True]),
            math.log((counts[False][f] + ALPHA) / denom[False]),
        )
        for f in vocab
    }
    prior = math.log((docs[True] + 1) / (docs[False] + 1))
    return table, prior


def _model(table, prior, threshold=0.0, meta=None) -> Model:
    return Model({f: s - n for f, (s, n) in table.items()}, prior, threshold, meta or {})


@dataclass
class TrainResult:
    model: dict  # the JSON document
    spam: int
    normal: int
    held_out_spam: int
    held_out_normal: int
    true_holds: int  # held-out spam at or above the threshold
    false_holds: int  # held-out normal at or above the threshold

    @property
    def precision(self) -> float:
        held = self.true_holds + self.false_holds
        return self.true_holds / held if held else 0.0

    @property
    def recall(self) -> float:
        return self.true_holds / self.held_out_spam if self.held_out_spam else 0.0


def train(
    texts: list[tuple[str, bool]],
    *,
    sources: dict | None = None,
    progress: bool = False,
    seed: int = 0,
    max_false_holds: float = MAX_FALSE_HOLDS,
) -> TrainResult:
    """Train on (normalised text, is_spam). The threshold is chosen on held-out parts: every
    text is scored by a model trained on the other FOLDS-1 parts (cross-validation), and the
    threshold is the lowest score that holds at most max_false_holds of the normal texts; the
    saved model is then trained on all of them. Needs both classes."""
    feats = [(features(t), s) for t, s in tqdm(texts, desc="features", unit="text", disable=not progress)]
    n_spam = sum(s for _, s in feats)
    n_normal = len(feats) - n_spam
    if n_spam < FOLDS or n_normal < FOLDS:
        raise ValueError(f"need at least {FOLDS} texts of each kind (have {n_spam} spam, {n_normal} normal)")
    order = list(range(len(feats)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % FOLDS for k, i in enumerate(order)}
    held: list[tuple[float, bool]] = []
    for k in tqdm(range(FOLDS), desc="held-out folds", unit="fold", disable=not progress):
        m = _model(*fit([feats[i] for i in order if fold_of[i] != k]))
        held += [(m.score(feats[i][0]), feats[i][1]) for i in order if fold_of[i] == k]
    normal_scores = sorted((sc for sc, s in held if not s), reverse=True)
    allowed = min(int(max_false_holds * len(normal_scores)), len(normal_scores) - 1)
    # Just above the (allowed+1)-th highest normal score: at most `allowed` normal texts hold.
    # Never below 0 (the model must think spam more likely than not).
    threshold = max(0.0, normal_scores[allowed] + 1e-6)
    true_holds = sum(sc >= threshold for sc, s in held if s)
    false_holds = sum(sc >= threshold for sc, s in held if not s)
    table, prior = fit(feats)
    calibration = calibrate(held)

    doc = {
        "format": FORMAT,
        "kind": "multinomial naive bayes, character 1-3-grams and shape tokens",
        "trained_at": timezone.now().isoformat(timespec="seconds"),
        "counts": {"spam": n_spam, "normal": n_normal},
        "sources": sources or {},
        "held_out": {
            "method": f"{FOLDS}-fold cross-validation",
            "max_false_holds": max_false_holds,
            "spam": n_spam,
            "normal": n_normal,
            "true_holds": true_holds,
            "false_holds": false_holds,
        },
        "temper": TEMPER,
        # log P(class) (add-one), and their difference, which the score starts from
        "priors": {
            "spam": round(math.log((n_spam + 1) / (n_spam + n_normal + 2)), 6),
            "normal": round(math.log((n_normal + 1) / (n_spam + n_normal + 2)), 6),
        },
        "prior": round(prior, 6),
        "threshold": round(threshold, 6),
        "calibration": list(calibration),
        # feature -> [log p(f|spam), log p(f|normal)]
        "features": {f: [round(s, 4), round(n, 4)] for f, (s, n) in sorted(table.items())},
    }
    return TrainResult(doc, n_spam, n_normal, n_spam, n_normal, true_holds, false_holds)


# --- where the model lives, and the per-process cache ------------------------------------------


def model_path() -> Path:
    """DATA_DIR/spam-model.json, or the setting SPAM_MODEL_PATH (the bench and tests use
    their own)."""
    return Path(getattr(settings, "SPAM_MODEL_PATH", None) or Path(settings.DATA_DIR) / "spam-model.json")


def save(doc: dict, path: Path | None = None) -> Path:
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".spam-model-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)  # atomic: a worker never reads half a model
    return path


def from_doc(doc: dict) -> Model:
    if doc.get("format") != FORMAT:
        raise ValueError(f"unknown spam model format {doc.get('format')!r}")
    table = {f: (v[0], v[1]) for f, v in doc["features"].items()}
    meta = {k: v for k, v in doc.items() if k != "features"}
    meta["n_features"] = len(table)
    return _model(table, doc["prior"], doc["threshold"], meta)


_cache: dict = {"key": None, "model": None}


def load(path: Path) -> Model:
    """Read a model file; ValueError (or OSError) when it cannot be used."""
    with path.open(encoding="utf-8") as fh:
        try:
            return from_doc(json.load(fh))
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"not a spam model ({exc!r})") from None


def current() -> Model | None:
    """The operator's trained model, or None. Cached; re-read when the file changes. A file
    that cannot be read is logged once per change and ignored (the check must not fail every
    save over it); `zimei spam show` says what is wrong."""
    path = model_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        _cache.update(key=None, model=None)
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if _cache["key"] != key:
        try:
            model = load(path)
        except (ValueError, OSError) as exc:
            log.error("spam model %s ignored: %s", path, exc)
            model = None
        _cache.update(key=key, model=model)
    return _cache["model"]


def clear(path: Path | None = None) -> bool:
    path = path or model_path()
    _cache.update(key=None, model=None)
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
