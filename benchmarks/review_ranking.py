"""Does the review queue put wrong masks first? The share of the ranking's top 15 % that truth says are wrong,
against a random 15 % (the baseline: what a reviewer gets without a ranking; mean over seeds).

"Wrong" is judged against the prepared folder's truth (the app never reads it) in two ways, both printed:
Dice below --dice percent (default 90, the project's smoothed Dice), and "not perfect" (any pixel differs).
The ranking is `usvmask.review.ranking.likely_wrong`, the one the app uses, with the terms the inputs allow:
area always, disagreement with --previous, entropy with --model. Each term alone is printed too.

    python3 benchmarks/review_ranking.py --data data/prepared --masks data/construct/it3/masks.zip \\
        --previous data/construct/it2/masks.zip [--model models/final/squeakout.pt] [--top 0.15] [--seeds 1000]
"""

from __future__ import annotations

import argparse

import numpy as np

from usvmask.data.dataset import load_dataset
from usvmask.evaluate.metrics import dice_scores
from usvmask.review.load import check_masks, model_probabilities
from usvmask.review.ranking import likely_wrong, queue_order


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="prepared folder with truth")
    parser.add_argument("--masks", required=True, help="masks zip under review")
    parser.add_argument("--previous", help="the previous construction iteration's masks (disagreement term)")
    parser.add_argument("--model", help="checkpoint for the entropy term")
    parser.add_argument("--top", type=float, default=0.15, help="share of the queue reviewed (default 0.15)")
    parser.add_argument("--dice", type=float, default=90.0, help="a mask is wrong below this Dice (percent)")
    parser.add_argument("--seeds", type=int, default=1000, help="random draws of the baseline")
    return parser.parse_args(argv)


def top_share(order: np.ndarray, wrong: np.ndarray, k: int) -> float:
    """Share of the first `k` images of `order` that are wrong."""
    return float(wrong[order[:k]].mean())


def random_share(wrong: np.ndarray, k: int, seeds: int) -> float:
    """Mean share of wrong images among `k` drawn at random, over `seeds` draws."""
    return float(np.mean([wrong[np.random.default_rng(s).permutation(len(wrong))[:k]].mean() for s in range(seeds)]))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data = load_dataset(args.data, with_truth=True)
    if data.truth is None:
        raise SystemExit(f"{args.data}: has no truth; this benchmark needs a prepared folder with truth")
    shape = data.images.shape[1:]
    masks = check_masks(args.masks, args.data, data.names, shape)
    previous = check_masks(args.previous, args.data, data.names, shape) if args.previous else None
    probs = model_probabilities(data.images, args.model) if args.model else None
    scores = likely_wrong(masks, list(data.table["label"].astype(str)), other=previous, probs=probs)
    dice = dice_scores(masks, data.truth)
    wrong = {f"Dice < {args.dice:g} %": dice < args.dice,
             "not perfect": (masks != data.truth).reshape(len(masks), -1).any(axis=1)}
    k = max(1, round(args.top * len(masks)))
    kinds = data.table["kind"].value_counts().to_dict()
    print(f"{len(masks)} images ({kinds.get('usv', 0)} usv, {kinds.get('noise', 0)} noise); masks {args.masks}; "
          f"top {100 * args.top:g} % = {k} images; terms: {', '.join(c for c in scores.columns if c != 'score')}")
    rankings = {"ranking (score)": scores["score"], **{f"  {c} alone": scores[c] for c in scores.columns[1:]}}
    print(f"{'wrong means':<14}{'all images':>12}{'random ' + str(k):>14}  " + "".join(f"{n:>20}" for n in rankings))
    for label, is_wrong in wrong.items():
        cells = [f"{top_share(queue_order(s.to_numpy()), is_wrong, k):>20.2f}" for s in rankings.values()]
        print(f"{label:<14}{is_wrong.mean():>12.2f}{random_share(is_wrong, k, args.seeds):>14.2f}  " + "".join(cells))
    print(f"baseline: random {k} of {len(masks)} images, mean over {args.seeds} seeds")


if __name__ == "__main__":
    main()
