"""The statement check measured: catch rate on corrupted claims, false drops on faithful
paraphrases, and the similarity threshold chosen from the tune items alone.

The set is tests/data/statement_check.yaml (real corpus sentences; paraphrases and
corruptions written by hand). Two passes:

1. calibration: the rules alone on every item, the cosine of each statement with its
   sentence, and MIN_STATEMENT_SIMILARITY chosen on ``tune``: 0.05 below the least
   similar tune paraphrase that the rules keep, rounded down to 0.05;
2. end to end: each statement sent as a scripted model's claim (loopback server) citing
   its sentence, through the real pipeline with the shipped threshold, per split.

Run: .venv/bin/python bench/llm_statements.py [--home DIR]   (DIR: an existing index home)
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, KnowledgeBase  # noqa: E402
from assistant.pipeline import MIN_STATEMENT_SIMILARITY  # noqa: E402
from assistant.statements import unsupported_reason  # noqa: E402
from ingest import Settings, build_index  # noqa: E402
from tests.fake_openai import claims_reply, evidence_of, openai_server  # noqa: E402

SET = ROOT / "tests" / "data" / "statement_check.yaml"
MARGIN = 0.05


def load_rows() -> list[dict]:
    """One row per statement: split, kind ("paraphrase" or a corruption), statement, quote, question."""
    rows = []
    for item in yaml.safe_load(SET.read_text())["items"]:
        base = {
            "id": item["id"],
            "split": item["split"],
            "quote": item["quote"],
            "question": item["question"],
        }
        rows += [{**base, "kind": "paraphrase", "statement": p} for p in item["paraphrases"]]
        rows += [{**base, "kind": c["kind"], "statement": c["statement"]} for c in item["corrupted"]]
    return rows


def calibrate(kb: KnowledgeBase, rows: list[dict]) -> float:
    """Score every row with the rules alone; return the threshold chosen on tune rows."""
    for row in rows:
        row["similarity"] = float(kb.embed(row["statement"]) @ kb.embed(row["quote"]))
        row["rule"] = unsupported_reason(row["statement"], [row["quote"]], terms=kb.vocabulary)
    kept = [
        r["similarity"] for r in rows if r["split"] == "tune" and r["kind"] == "paraphrase" and not r["rule"]
    ]
    threshold = math.floor((min(kept) - MARGIN) * 20) / 20
    print(f"least similar tune paraphrase kept by the rules: {min(kept):.3f} -> threshold {threshold:.2f}")
    print(f"shipped MIN_STATEMENT_SIMILARITY: {MIN_STATEMENT_SIMILARITY:.2f}")
    print("\nrules alone, and rules + threshold (tune | heldout):")
    for label, limit in (("rules alone", 0.0), (f"+ similarity >= {threshold:.2f}", threshold)):
        cells = []
        for split in ("tune", "heldout"):
            part = [r for r in rows if r["split"] == split]
            para = [r for r in part if r["kind"] == "paraphrase"]
            bad = [r for r in part if r["kind"] != "paraphrase"]
            drops = sum(bool(r["rule"]) or r["similarity"] < limit for r in para)
            caught = sum(bool(r["rule"]) or r["similarity"] < limit for r in bad)
            cells.append(f"caught {caught}/{len(bad)}, false drops {drops}/{len(para)}")
        print(f"  {label:28s} {cells[0]:36s} | {cells[1]}")
    return threshold


def end_to_end(settings: Settings, kb: KnowledgeBase, rows: list[dict]) -> None:
    """Each statement as a scripted model's claim citing its sentence, through the pipeline."""
    current: dict = {}

    def script(messages) -> str:
        evidence = evidence_of(messages)
        wanted = " ".join(current["quote"].split())
        n = next((k for k, text in evidence.items() if text.rstrip(".") == wanted.rstrip(".")), None)
        current["reached"] = n is not None
        return claims_reply((n or 1, current["statement"]))

    with openai_server(script) as server:
        bot = Assistant(
            settings.with_(
                answerer="llm", llm_base_url=f"http://127.0.0.1:{server.server_port}/v1", llm_model="x"
            ),
            kb,
        )
        for row in rows:
            current.update(row, reached=False)
            answer = bot.ask(row["question"])
            row["reached"] = current["reached"]
            row["kept"] = bool(answer.citations)
            row["reason"] = answer.dropped[0].reason if answer.dropped else ""
    report(rows)


def report(rows: list[dict]) -> None:
    """Catch rate per kind and false-drop rate, per split."""
    print("\nend to end (scripted model, real pipeline, shipped threshold):")
    unreachable = [r for r in rows if not r["reached"]]
    print(f"  statements whose sentence was not among the model's evidence (left out): {len(unreachable)}")
    for item in sorted({r["id"] for r in unreachable}):
        print(f"    not reached: {item}")
    for split in ("tune", "heldout", "all"):
        part = [r for r in rows if r["reached"] and (split == "all" or r["split"] == split)]
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in part:
            good = r["kept"] if r["kind"] == "paraphrase" else not r["kept"]
            counts[r["kind"]][0] += good
            counts[r["kind"]][1] += 1
        para = counts.pop("paraphrase", [0, 0])
        caught = sum(c[0] for c in counts.values())
        total = sum(c[1] for c in counts.values())
        kinds = ", ".join(f"{k} {c[0]}/{c[1]}" for k, c in sorted(counts.items()))
        print(
            f"  {split:8s} catch rate {caught}/{total} = {caught / max(total, 1):.2f} ({kinds}); "
            f"false drops {para[1] - para[0]}/{para[1]} = {(para[1] - para[0]) / max(para[1], 1):.2f}"
        )
    for r in rows:
        if r["reached"] and (r["kept"] == (r["kind"] != "paraphrase")):
            verdict = "KEPT (missed)" if r["kept"] else f"DROPPED ({r['reason']})"
            print(f"    {r['split']:7s} {r['kind']:14s} {verdict}: {r['statement'][:100]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, help="an existing index home (default: build one in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=args.home or Path(tmp))
        if args.home is None:
            build_index(settings, ROOT / "corpus")
        kb = KnowledgeBase(settings)
        rows = load_rows()
        calibrate(kb, rows)
        end_to_end(settings, kb, rows)


if __name__ == "__main__":
    main()
