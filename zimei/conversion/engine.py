"""OpenCC with Zimei's reviewed phrase dictionary inside its own longest-match pass.

OpenCC converts in two stages: it segments the text by forward longest match over a phrase
dictionary, then runs a chain of conversions (for s2twp: Simplified → Traditional, then
Traditional → Taiwan phrasing), each converting every segment by longest match over a group of
dictionaries. A "union" group takes the longest match of all its dictionaries and, for a
match of the same length, the first dictionary listed.

`converter(config)` loads OpenCC's own JSON config for `config` (s2twp, tw2sp …) and writes a
copy into a cache directory with Zimei's dictionary listed first in a union group at each place
that matters:

- segmentation: our keys compete with OpenCC's phrases for the same longest match, so
  头发干了 segments as 头发干|了 (ours, 3 characters) and 头发布满 as 头发|布|满 (OpenCC's);
- the first step of the chain: key → our target (扩展 → 擴展);
- every later step: target → target, so that the next dictionary (TWPhrases: 擴展 → 擴充套件)
  cannot undo the correction.

Nothing is cut apart: one OpenCC call converts the whole text. The data files are
zimei/conversion/data/<name>.txt, one entry a line: ``source<TAB>target<TAB>note[<TAB>source]``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import opencc

DATA = Path(__file__).with_name("data")
OPENCC_SHARE = Path(opencc.__file__).parent / "clib" / "share" / "opencc"

# Which of our dictionaries corrects which OpenCC config.
OVERLAYS: dict[str, str] = {
    "s2twp": "s2tw",
    "s2tw": "s2tw",
    "s2t": "s2tw",
    "s2hk": "s2hk",
    "s2hkp": "s2hk",
    "tw2sp": "t2s",
    "tw2s": "t2s",
    "t2s": "t2s",
    "hk2s": "hk2s",
    "hk2sp": "hk2s",
}


def entries(name: str) -> dict[str, str]:
    """The dictionary `name` (data/<name>.txt, plus the shared entries where the file says
    ``@include other``): source → target."""
    out: dict[str, str] = {}
    for number, raw in enumerate((DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@include "):
            out.update(entries(line.split()[1]))
            continue
        fields = line.split("\t")
        if len(fields) < 3 or not fields[0] or not fields[1] or not fields[2].strip():
            raise ValueError(f"data/{name}.txt:{number}: want source<TAB>target<TAB>note: {line!r}")
        if any(c.isspace() for c in fields[0] + fields[1]):
            # OpenCC's text dictionaries separate alternative targets with spaces.
            raise ValueError(f"data/{name}.txt:{number}: no spaces in a source or target: {line!r}")
        out[fields[0]] = fields[1]
    return out


def _text_dict(pairs: dict[str, str]) -> str:
    return "".join(f"{k}\t{v}\n" for k, v in sorted(pairs.items()))


def _resolve(node, base: Path):
    """OpenCC's config with every dictionary file given as an absolute path."""
    if isinstance(node, dict):
        node = {k: _resolve(v, base) for k, v in node.items()}
        if node.get("type") in ("ocd2", "ocd", "text") and "file" in node:
            node["file"] = str(base / node["file"])
        return node
    if isinstance(node, list):
        return [_resolve(v, base) for v in node]
    return node


def _first_in_union(ours: dict, existing: dict) -> dict:
    """`existing` with `ours` competing in the same longest match, winning ties."""
    if existing.get("type") == "group" and existing.get("match_policy") == "union":
        return {**existing, "dicts": [ours, *existing["dicts"]]}
    if existing.get("type") == "group":
        # short_circuit: the first dictionary that matches wins, whatever its length; ours goes
        # into a union with the first (the phrase dictionary), so that length still decides.
        first, *rest = existing["dicts"]
        return {**existing, "dicts": [_first_in_union(ours, first), *rest]}
    return {"type": "group", "match_policy": "union", "dicts": [ours, existing]}


def build_config(config: str, overlay: dict[str, str], directory: Path, final: Path | None = None) -> Path:
    """Write OpenCC's `config` with `overlay` inside it into `directory` (naming its files as
    they will be found in `final`, where the directory is moved once complete); its path."""
    final = final or directory
    base = json.loads((OPENCC_SHARE / f"{config}.json").read_text(encoding="utf-8"))
    doc = _resolve(base, OPENCC_SHARE)
    (directory / "first.txt").write_text(_text_dict(overlay), encoding="utf-8")
    (directory / "later.txt").write_text(_text_dict({v: v for v in overlay.values()}), encoding="utf-8")
    ours_first = {"type": "text", "file": str(final / "first.txt")}
    ours_later = {"type": "text", "file": str(final / "later.txt")}
    doc["name"] = f"{doc.get('name', config)} + Zimei corrections"
    if "segmentation" not in doc:
        # s2t.json has none (OpenCC then segments by the first step's dictionaries): name them.
        doc["segmentation"] = {
            "type": "mmseg",
            "dict": json.loads(json.dumps(doc["conversion_chain"][0]["dict"])),
        }
    doc["segmentation"]["dict"] = _first_in_union(ours_first, doc["segmentation"]["dict"])
    chain = doc["conversion_chain"]
    for i, step in enumerate(chain):
        step["dict"] = _first_in_union(ours_first if i == 0 else ours_later, step["dict"])
    path = directory / f"{config}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@lru_cache(maxsize=16)
def converter(config: str, extra: tuple[tuple[str, str], ...] = ()) -> opencc.OpenCC:
    """OpenCC `config` with Zimei's corrections for it (plain OpenCC when there are none) and
    `extra` (source, target) pairs on top of them: the desk's overrides (overrides.py), which
    win over a data-file entry for the same source. Keyed on `extra`: a changed set of
    overrides builds a new converter, once."""
    name = OVERLAYS.get(config)
    if name is None and not extra:
        return opencc.OpenCC(config)
    overlay = {**(entries(name) if name else {}), **dict(extra)}
    digest = hashlib.sha256(
        json.dumps([config, opencc.__version__, str(OPENCC_SHARE), sorted(overlay.items())]).encode()
    ).hexdigest()[:16]
    directory = Path(tempfile.gettempdir()) / f"zimei-opencc-{config}-{digest}"
    path = directory / f"{config}.json"
    if directory.exists() and directory.stat().st_uid != os.getuid():
        # Someone else's directory under a name anyone can predict: never load it.
        private = Path(tempfile.mkdtemp(prefix=f"zimei-opencc-{config}-", dir=tempfile.gettempdir()))
        return opencc.OpenCC(str(build_config(config, overlay, private)))
    if not path.exists():
        # Built in a private directory and renamed into place: processes may race.
        staging = Path(tempfile.mkdtemp(prefix=f"zimei-opencc-{config}-", dir=tempfile.gettempdir()))
        build_config(config, overlay, staging, final=directory)
        try:
            os.replace(staging, directory)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process won the race: same files
    return opencc.OpenCC(str(path))


@lru_cache(maxsize=8)
def plain(config: str) -> opencc.OpenCC:
    """OpenCC `config` as shipped (the benchmark's baseline)."""
    return opencc.OpenCC(config)
