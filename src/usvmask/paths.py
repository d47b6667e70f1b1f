"""Every path the project names, in one place. Nothing is done at import.

Stage scripts receive their paths from `dvc.yaml` command arguments; this module holds the names of the files
inside a dataset folder and the defaults the CLI falls back on.
"""

from pathlib import Path

IMAGES = "images.zip"  # spectrogram images, one PNG per spectrogram, in an uncompressed zip
TRUTH = "truth.zip"  # exact truth masks (synthetic source, or real data with a masks folder)
INDEX = "index.csv"  # one row per spectrogram: name, label, kind, split, ...
REPRESENTATION = "representation.json"  # how the images were rendered (usvmask.spectrogram.representation)

# a folder of corrections (written by simulate_corrections and the review app, read by import_corrections)
CORRECTIONS_COCO = "corrections.json"  # COCO JSON with RLE masks
CORRECTIONS_NOISE = "noise.txt"  # names of spectrograms whose mask is emptied, one per line
CORRECTIONS_MASKS = "masks"  # sub-folder of <name>.png whole-mask overrides
CORRECTIONS_REVIEW_LOG = "review.tsv"  # every decision of `usvmask review`, accepts too (not read by the importer)

PARAMS = Path("params.yaml")  # the default params file of every stage and command


def images_file(dataset_dir: Path) -> Path:
    """The images of a prepared dataset folder."""
    return Path(dataset_dir) / IMAGES


def truth_file(dataset_dir: Path) -> Path:
    """The truth masks of a prepared dataset folder."""
    return Path(dataset_dir) / TRUTH


def index_file(dataset_dir: Path) -> Path:
    """The index table of a prepared dataset folder."""
    return Path(dataset_dir) / INDEX


def representation_file(dataset_dir: Path) -> Path:
    """The image representation of a prepared dataset folder."""
    return Path(dataset_dir) / REPRESENTATION
