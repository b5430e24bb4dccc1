"""Reporting for ``bench/scale.py``: the side-by-side table, growth factors and plots.

Kept apart from the measuring code, which runs in worker processes; these functions
only read the result rows that the workers returned.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def p(row: dict[str, Any], path: str, stat: str = "p50_ms") -> float:
    """A latency figure of one row, e.g. ``p(row, "search_hybrid")``."""
    return row["query"]["latency"][path][stat]


def print_report(
    rows: list[dict[str, Any]], check: dict[str, float], sentence_rate: float, note: str, method: str
) -> None:
    """The side-by-side table, stage breakdown and growth ratios; ``note`` says how queries
    ran, ``method`` how the indexes were made."""
    print(method)
    print(
        f"Real embedding on this machine: {sentence_rate:.1f} sentences/s, {check['chunk_texts_per_s']} chunk texts/s."
    )
    print(
        f"Reused-vector check on {check['chunks']} real chunk texts: cosine(real, mean of sentences) "
        f"mean {check['cosine_mean']}, min {check['cosine_min']}; top-8 overlap for the questions {check['top8_overlap']}."
    )
    print(note + "\n")
    head = "chunks  build_s  disk_MB | search p50/p95 ms: hybrid   langchain  ratio | ask p50/p95 ms: hybrid   langchain | RSS MB: citewise langchain"
    print(head)
    for r in rows:
        b, q = r["build"], r["query"]
        print(
            f"{b['chunks']:>6} {b['build_s']:>8.1f} {b['disk_mb']['total']:>8.1f} | "
            f"{p(r, 'search_hybrid'):>8.1f}/{p(r, 'search_hybrid', 'p95_ms'):<7.1f} "
            f"{p(r, 'search_langchain'):>6.1f}/{p(r, 'search_langchain', 'p95_ms'):<6.1f} "
            f"{p(r, 'search_hybrid') / p(r, 'search_langchain'):>5.1f}x | "
            f"{p(r, 'ask_hybrid'):>7.1f}/{p(r, 'ask_hybrid', 'p95_ms'):<7.1f} "
            f"{p(r, 'ask_langchain'):>6.1f}/{p(r, 'ask_langchain', 'p95_ms'):<7.1f} | "
            f"{q['after_queries']['rss_mb']:>8.0f} {r['baseline']['rss_mb']:>8.0f}"
        )
    for r in rows:
        print_details(r, check, sentence_rate)
    for small, big in zip(rows, rows[1:], strict=False):
        print(growth_line(small, big))


def growth_line(small: dict[str, Any], big: dict[str, Any]) -> str:
    """How each cost grew between two sizes, as factors."""
    figures = {
        "build": lambda r: r["build"]["build_s"],
        "disk": lambda r: r["build"]["disk_mb"]["total"],
        "dense": lambda r: p(r, "dense_chroma_top40"),
        "bm25": lambda r: p(r, "bm25_top40"),
        "search": lambda r: p(r, "search_hybrid"),
        "ask": lambda r: p(r, "ask_hybrid"),
        "RSS": lambda r: r["query"]["after_queries"]["rss_mb"],
    }
    factors = ", ".join(f"{name} x{f(big) / f(small):.1f}" for name, f in figures.items())
    a, b = small["build"]["chunks"], big["build"]["chunks"]
    return f"growth {a} -> {b} chunks (x{b / a:.1f}): {factors}"


def print_details(r: dict[str, Any], check: dict[str, float], sentence_rate: float) -> None:
    """Where the time and the bytes go at one size."""
    b, q = r["build"], r["query"]
    real_s = b["chunks"] / check["chunk_texts_per_s"] + b["sentences"] / sentence_rate
    latency = ", ".join(f"{name} {v['p50_ms']}/{v['p95_ms']}" for name, v in q["latency"].items())
    print(f"\n[{b['chunks']} chunks, {b['documents']} documents, {b['sentences']} sentence vectors]")
    print("  build stages s: " + ", ".join(f"{k} {v}" for k, v in b["stages_s"].items()))
    print(f"  vectors: {b['vectors']}; embedding them all for real would take ~{real_s / 60:.1f} min here")
    print("  disk MB: " + ", ".join(f"{k} {v}" for k, v in b["disk_mb"].items()))
    print(f"  latency p50/p95 ms: {latency}")
    print(
        f"  RSS MB: citewise loaded {q['loaded']['rss_mb']:.0f} (load {q['load_s']} s), after queries "
        f"{q['after_queries']['rss_mb']:.0f}, peak {q['after_queries']['peak_rss_mb']:.0f}; build peak "
        f"{b['build_peak_rss_mb']:.0f}; langchain-only process {r['baseline']['rss_mb']:.0f} "
        f"(similarity_search incl. embedding {r['baseline']['similarity_search']['p50_ms']} ms p50)"
    )


PLOTTED_PATHS = (
    "search_hybrid",
    "search_langchain",
    "dense_chroma_top40",
    "bm25_top40",
    "ask_hybrid",
    "ask_langchain",
)
PLOTTED_FILES = ("total", "chroma", "sentences.npy", "vectors.npy", "bm25")


def plot_panels(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Panel title -> line label -> one value per size."""

    def column(figure: Callable[[dict[str, Any]], float]) -> list[float]:
        return [figure(r) for r in rows]

    return {
        "warm query p50 (ms)": {n: column(lambda r, n=n: p(r, n)) for n in PLOTTED_PATHS},
        "index build (s)": {
            "build, vectors reused": column(lambda r: r["build"]["build_s"]),
            "chroma add": column(lambda r: r["build"]["stages_s"]["chroma_add"]),
            "chunking": column(lambda r: r["build"]["stages_s"]["chunking"]),
        },
        "index on disk (MB)": {
            k: column(lambda r, k=k: r["build"]["disk_mb"].get(k, 0)) for k in PLOTTED_FILES
        },
        "process RSS (MB)": {
            "citewise after queries": column(lambda r: r["query"]["after_queries"]["rss_mb"]),
            "langchain Chroma only": column(lambda r: r["baseline"]["rss_mb"]),
            "build peak": column(lambda r: r["build"]["build_peak_rss_mb"]),
        },
    }


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Latency, build time, disk and RSS against chunk count, log-log, in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["build"]["chunks"] for r in rows]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (title, series) in zip(axes.flat, plot_panels(rows).items(), strict=True):
        for label, values in series.items():
            ax.plot(x, values, marker="o", label=label)
        ax.set(xscale="log", yscale="log", title=title, xlabel="chunks")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("citewise growth (synthetic corpus, reused sentence vectors)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
