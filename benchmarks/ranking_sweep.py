"""nDCG@10 of the product on the four ranking collections for several values of one ranking
parameter, on the indexes `benchmarks/ranking.py` built (run that first).

    python benchmarks/ranking_sweep.py --proximity 0,0.1,0.2,0.25,0.3,0.45
    python benchmarks/ranking_sweep.py --delta 0,0.1,0.25,0.5,1
    python benchmarks/ranking_sweep.py --feedback-terms 0,3,5,7,10

--proximity is the adjacency bonus's weight, --delta BM25+'s lower bound, --feedback-terms
how many words of the top documents pseudo-relevance feedback adds (0: none). A value is set for
the run only (the module's constant and the defaults it gave); the product's code is not
changed. Prints a Markdown table with the mean over the collections, the criterion a single
configuration for all of them is chosen by.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import ranking as bench  # noqa: E402  (benchmarks/ranking.py)

from search_service import ranking  # noqa: E402

COLLECTIONS = ("cranfield", "cisi", "cacm", "scifact")


def set_proximity(weight: float) -> None:
    ranking.PROXIMITY_WEIGHT = weight
    ranking.proximity_query.__defaults__ = (weight,)


def set_delta(delta: float) -> None:
    ranking.DELTA = delta
    ranking.BM25.__init__.__defaults__ = (ranking.K1, ranking.B, delta)


def set_feedback_terms(terms: float) -> None:
    ranking.FEEDBACK_TERMS = int(terms)
    ranking.feedback_weights.__defaults__ = (int(terms), ranking.FEEDBACK_WEIGHT)


PARAMETERS = {"proximity": ("proximity weight", set_proximity), "delta": ("BM25+ delta", set_delta),
              "feedback_terms": ("feedback words", set_feedback_terms)}


def ndcg(name: str, out: Path) -> float:
    """nDCG@10 of the product's run on one collection, its index as ranking.py left it."""
    by_url = {bench.doc_url(name, d["id"]): d["id"] for d in bench.read_docs(name)}
    run, _, _ = bench.search_run(name, out / name / "ours" / "index", bench.read_queries(name), by_url)
    path = out / name / "sweep.run"
    bench.write_run(path, run, "sweep")
    return bench.evaluate(name, path)["nDCG@10"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--proximity", help="comma-separated weights of the adjacency bonus")
    which.add_argument("--delta", help="comma-separated values of BM25+'s delta")
    which.add_argument("--feedback-terms", help="comma-separated counts of feedback words")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "ranking", help="where ranking.py wrote its indexes")
    args = ap.parse_args(argv)
    parameter = next(name for name in PARAMETERS if getattr(args, name) is not None)
    label, set_value = PARAMETERS[parameter]
    print(f"| {label} | " + " | ".join(COLLECTIONS) + " | mean |")
    print("|---:|" + "---:|" * (len(COLLECTIONS) + 1))
    for value in (float(v) for v in getattr(args, parameter).split(",")):
        set_value(value)
        scores = [ndcg(name, args.out) for name in COLLECTIONS]
        cells = " | ".join(f"{s:.4f}" for s in scores)
        print(f"| {value:g} | {cells} | {sum(scores) / len(scores):.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
