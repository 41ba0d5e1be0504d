"""Cost growth plot: query latency, HTTP throughput and index build time against corpus size."""
from __future__ import annotations

from pathlib import Path


def plot(results: dict, path: Path) -> Path | None:
    """Write the PNG from results["sizes"]; None when matplotlib is missing or nothing to plot."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = sorted(results.get("sizes", {}).values(), key=lambda r: r["n"])
    if not sizes:
        return None
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))

    ax = axes[0]
    for engine, label, colour in (("ours", "ours", "tab:blue"), ("fts5", "SQLite FTS5", "tab:orange")):
        pts = [(r["n"], r["query"]["engines"][engine]["all"]) for r in sizes if "query" in r]
        if pts:
            xs = [n for n, _ in pts]
            ax.plot(xs, [p["p50"] for _, p in pts], "o-", color=colour, label=f"{label} p50")
            ax.plot(xs, [p["p99"] for _, p in pts], "s--", color=colour, label=f"{label} p99")
    ax.axhline(50, color="grey", lw=0.8, ls=":", label="goal: p99 50 ms")
    ax.set(xscale="log", yscale="log", xlabel="documents", ylabel="ms",
           title="Query latency, top-10 + snippets")
    ax.legend(fontsize=8)

    ax = axes[1]
    series = (("ours", "zipf", "ours, Zipf log", "tab:blue", "o-"),
              ("ours", "distinct", "ours, distinct queries", "tab:blue", "s--"),
              ("hello", "zipf", 'Flask "hello"', "tab:green", "^-"),
              ("naive", "zipf", "naive Whoosh, Zipf log", "tab:red", "v-"))
    for app, load, label, colour, style in series:
        pts = [(r["n"], r["http"][app][load]["rps"]) for r in sizes
               if app in r.get("http", {}) and load in r["http"][app]]
        if pts:
            ax.plot([n for n, _ in pts], [v for _, v in pts], style, color=colour, label=label)
    ax.axhline(500, color="grey", lw=0.8, ls=":", label="goal: 500 req/s (Zipf)")
    ax.axhline(150, color="grey", lw=0.8, ls="-.", label="goal: 150 req/s (distinct)")
    ax.set(xscale="log", yscale="log", xlabel="documents", ylabel="requests/s",
           title="HTTP throughput, gunicorn + wrk -c8")
    ax.legend(fontsize=8)

    ax = axes[2]
    for engine, label, colour in (("ours", "ours (ingest of JSONL, 2 workers)", "tab:blue"),
                                  ("fts5", "SQLite FTS5", "tab:orange")):
        pts = [(r["n"], r["build"][engine]["seconds"]) for r in sizes if engine in r.get("build", {})]
        if pts:
            ax.plot([n for n, _ in pts], [s for _, s in pts], "o-", color=colour, label=label)
    ax.set(xscale="log", yscale="log", xlabel="documents", ylabel="seconds", title="Index build time")
    ax.legend(fontsize=8)

    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
