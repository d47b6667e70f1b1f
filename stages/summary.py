"""DVC stage `summary`: the run's headline numbers in one flat metrics file, for comparing experiments."""

import argparse

from usvmask.pipeline.summary import summarise_run
from usvmask.stage import name_equals_path, run_stage, run_step

named_path = name_equals_path("REPORT", "it1=reports/erosion_it1.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scores", type=named_path, nargs="+", required=True,
                        help="STEP=REPORT per construction step's score report, in construction order")
    parser.add_argument("--erosion", nargs="+", required=True, help="erosion iteration facts, iteration 1 first")
    parser.add_argument("--table1", required=True, help="evaluate's metrics JSON")
    parser.add_argument("--events", required=True, help="segment_eval's report")
    parser.add_argument("--time", nargs="+", action="append", required=True, metavar="GROUP REPORT",
                        help="a time group's name, then the stage reports whose seconds it sums (repeatable)")
    parser.add_argument("--out", required=True, help="summary JSON to write")
    args = parser.parse_args()
    if any(len(group) < 2 for group in args.time):
        parser.error("--time: give a group name, then at least one report")
    run_step(summarise_run, scores=dict(args.scores), erosion_facts=args.erosion, table1=args.table1,
             events=args.events, times={group[0]: group[1:] for group in args.time}, out=args.out)


if __name__ == "__main__":
    run_stage(main)
