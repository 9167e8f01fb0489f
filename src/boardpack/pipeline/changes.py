"""What changed since the last build into the same output folder: ``changes.json`` and ``changes.md``.

Each build leaves a snapshot of every paper (its document keys, its paragraphs by number, its
actions by ref) in the cache folder. The next build compares: papers added, removed or changed;
within a paper, paragraphs added, removed or reworded (matched by their words, named by their
number, so an insertion is one added paragraph, not a renumbered rest), and actions added, removed,
or with a new status or due date.

Paragraphs are matched by their words as written (before ``[[label]]`` references were resolved), so
a paragraph whose only change is a renumbered reference ("see paragraph 1.4" → "1.5") is not
reworded. A snapshot left by an older build has only the resolved words: then those are compared.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..plan.model import NumberedPaper

STATE = "state.json"


def snapshot(papers: list[NumberedPaper], keys: dict[str, list[str]], restricted: set[str]) -> dict:
    """Return the comparable state of every paper: document keys, paragraphs and actions."""
    state = {}
    for paper in papers:
        slug = paper.paper.slug
        actions = {}
        for appendix in paper.appendices:
            for action in appendix.plan.actions if appendix.plan else ():
                actions[action.ref] = {"status": action.status, "due": action.due.isoformat()}
        state[slug] = {
            "title": paper.paper.title,
            "restricted": slug in restricted,
            "keys": keys.get(slug, []),
            "public_keys": keys.get(f"{slug}:public", []),
            "paragraphs": _paragraphs(paper),
            "actions": actions,
        }
    return state


def _paragraphs(paper: NumberedPaper) -> list[list[str]]:
    """Return [number, words, words as written] for every numbered paragraph (with its items) and
    unnumbered text; "as written" is before references were resolved."""
    out = []
    for section in paper.sections:
        for block in section.blocks:
            if block.kind == "paragraph":
                words = " ".join([block.text, *(f"{i.marker} {i.text}".strip() for i in block.items)])
                out.append([block.number, words, block.source or words])
            elif block.kind == "text":
                out.append([f"section {section.number} text", block.text, block.source or block.text])
    return out


@dataclass
class PaperChange:
    """How one paper changed."""

    paper: str
    title: str
    restricted: bool
    public_changed: bool
    paragraphs: dict[str, list[str]] = field(default_factory=lambda: {"added": [], "removed": [], "reworded": []})
    actions: dict[str, list] = field(default_factory=lambda: {"added": [], "removed": [], "status": [], "due": []})
    references_renumbered: list[str] = field(default_factory=list)  # paragraphs worded as before, refs renumbered

    def summary(self, public: bool = False) -> str:
        """Return one line saying what changed (without action details when *public*)."""
        parts = [f"paragraph{'s' if len(v) > 1 else ''} {', '.join(v)} {k}" for k, v in self.paragraphs.items() if v]
        if not public:
            acts = self.actions
            parts += [f"actions {', '.join(acts[k])} {k}" for k in ("added", "removed") if acts[k]]
            parts += [f"{c['ref']} status {c['from']} → {c['to']}" for c in acts["status"]]
            parts += [f"{c['ref']} due {c['from']} → {c['to']}" for c in acts["due"]]
        elif any(self.actions.values()):
            parts.append("progress figures updated")
        if parts:
            return "; ".join(parts)
        return (
            "cross-references renumbered"
            if self.references_renumbered
            else "changed (title, tables, layout or other details)"
        )


@dataclass
class Changes:
    """The difference between two builds."""

    previous_build: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[PaperChange] = field(default_factory=list)
    restricted: list[str] = field(default_factory=list)  # the added or removed papers that are restricted

    @property
    def names_restricted(self) -> bool:
        """Whether the changes name or describe anything restricted (then they are restricted too)."""
        return bool(self.restricted) or any(c.restricted or any(c.actions.values()) for c in self.changed)

    def to_json(self) -> str:
        """Return the changes as JSON."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self, meeting_title: str) -> str:
        """Return the changes as Markdown, for the secretariat and members."""
        lines = [f"# Changes to the papers for {meeting_title}", ""]
        if not self.previous_build:
            return "\n".join(lines + ["First build into this folder: nothing to compare with.", ""])
        if not (self.added or self.removed or self.changed):
            return "\n".join(lines + ["No paper changed since the last build.", ""])
        lines += [f"- Added: {slug}{self._restricted(slug)}" for slug in self.added]
        lines += [f"- Removed: {slug}{self._restricted(slug)}" for slug in self.removed]
        for change in self.changed:
            restricted = " (restricted)" if change.restricted else ""
            lines.append(f"- Changed: {change.title}{restricted} — {change.summary()}")
        return "\n".join(lines + [""])

    def _restricted(self, slug: str) -> str:
        return " (restricted)" if slug in self.restricted else ""


def compare(old: dict | None, new: dict) -> Changes:
    """Return what changed from the snapshot *old* (None: no previous build) to *new*."""
    if old is None:
        return Changes(previous_build=False)
    changes = Changes(previous_build=True)
    changes.added = [slug for slug in new if slug not in old]
    changes.removed = [slug for slug in old if slug not in new]
    changes.restricted = [s for s in changes.added if new[s]["restricted"]]
    changes.restricted += [s for s in changes.removed if old[s].get("restricted")]
    for slug, now in new.items():
        before = old.get(slug)
        if before is None or before["keys"] == now["keys"]:
            continue
        change = PaperChange(slug, now["title"], now["restricted"], before["public_keys"] != now["public_keys"])
        _diff_paragraphs(change, before["paragraphs"], now["paragraphs"])
        _diff_actions(change, before["actions"], now["actions"])
        changes.changed.append(change)
    return changes


def _diff_paragraphs(change: PaperChange, old: list[list[str]], new: list[list[str]]) -> None:
    # Entries are [number, resolved words, words as written]; an older state.json has no third.
    written = all(len(p) > 2 for p in old + new)
    key = (lambda p: p[2]) if written else (lambda p: p[1])
    matcher = difflib.SequenceMatcher(a=[key(p) for p in old], b=[key(p) for p in new], autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            pairs = zip(old[a0:a1], new[b0:b1], strict=True)
            change.references_renumbered += [n[0] for o, n in pairs if o[1] != n[1]]
            continue
        # Within a changed stretch, a new paragraph mostly worded like an old one is that one reworded.
        unmatched_old = list(old[a0:a1])
        for para in new[b0:b1]:
            best = max(unmatched_old, key=lambda o: _similarity(key(o), key(para)), default=None)
            if best is None or _similarity(key(best), key(para)) < 0.6:
                change.paragraphs["added"].append(para[0])
                continue
            unmatched_old.remove(best)
            if key(best) != key(para):
                change.paragraphs["reworded"].append(para[0])
            elif best[1] != para[1]:
                change.references_renumbered.append(para[0])
        change.paragraphs["removed"] += [number for number, *_ in unmatched_old]


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio()


def _diff_actions(change: PaperChange, old: dict, new: dict) -> None:
    acts = change.actions
    acts["added"] = [ref for ref in new if ref not in old]
    acts["removed"] = [ref for ref in old if ref not in new]
    for ref in (r for r in new if r in old):
        for key in ("status", "due"):
            if old[ref][key] != new[ref][key]:
                acts[key].append({"ref": ref, "from": old[ref][key], "to": new[ref][key]})


def read_state(cache_dir: Path) -> dict | None:
    """Return the snapshot the last build left in *cache_dir*, if any."""
    path = cache_dir / STATE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_state(cache_dir: Path, state: dict) -> None:
    """Leave *state* for the next build."""
    (cache_dir / STATE).write_text(json.dumps(state, indent=1, ensure_ascii=False), encoding="utf-8")
