"""VocalMat's classical call segmentation, ported to NumPy / SciPy / scikit-image.

Follows the image-processing section of ``vocalmat_identifier.m`` (VocalMat, Dietrich lab, 2019-2020):

1. ``imadjust(imcomplement(abs(A)./max(abs(A(:)))))`` with ``A`` in dB: a linear stretch between the 1 % and
   99 % points of a 256-bin histogram (MATLAB ``stretchlim`` default). A candidate image holds
   ``mat2gray(A)`` (``usvmask.spectrogram``), and ``A`` is negative for any recording scaled to ±1, so
   ``imcomplement(abs(A)/max(abs(A)))`` is a positive linear map of the candidate; ``imadjust``'s quantile
   stretch undoes any such map, so step 1 is ``imadjust`` of the candidate as stored, on the same crop. Calls
   are bright in both;
2. ``imbinarize(B, 'adaptive', 'Sensitivity', 0.2, 'ForegroundPolarity', 'bright')``. MATLAB's
   ``adaptthresh`` (https://mathworks.com/help/images/ref/adaptthresh.html) thresholds at the local mean
   over a ``2*floor(size(I)/16)+1`` neighbourhood (replicated borders), scaled for bright foreground by
   ``0.6 + (1 - sensitivity)``; a pixel is foreground when strictly above it (1.4 x local mean at 0.2);
3. ``imopen`` with ``strel('rectangle', [4 2])`` (4 rows x 2 columns);
4. ``imdilate`` with ``strel('line', 4, 90)``: MATLAB builds lines symmetric about the centre with
   half-length ``round((len-1)/2)``, so this is a vertical line of 5 pixels;
5. keep the dilated pixels where the adjusted image is non-zero, then 4-connected components with area
   > 20 pixels, then (VocalMat re-labels after cropping its one-minute frame) area > 60 pixels;
6. ``imdilate`` with ``strel('line', 3, 0)``: a horizontal line of 3 pixels.

Steps 4 and 6 widen every mask past the call, which is the border effect SqueakOut reports.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import ndimage
from skimage import measure, morphology
from tqdm import tqdm

from usvmask.errors import UsvmaskError

logger = logging.getLogger(__name__)


def _round_half_away(value: float) -> int:
    """MATLAB ``round``: halves go away from zero."""
    return int(np.sign(value) * np.floor(abs(value) + 0.5))


def line_footprint(length: float, angle: float) -> np.ndarray:
    """MATLAB ``strel('line', length, angle)`` as a bool footprint (angle in degrees, counter-clockwise)."""
    theta = np.deg2rad(angle)
    half_x = _round_half_away((length - 1) / 2 * np.cos(theta))
    half_y = -_round_half_away((length - 1) / 2 * np.sin(theta))
    steps = max(abs(half_x), abs(half_y))
    t = np.linspace(-1.0, 1.0, 2 * steps + 1) if steps else np.zeros(1)
    cols = np.array([_round_half_away(v) for v in t * half_x], dtype=int)
    rows = np.array([_round_half_away(v) for v in t * half_y], dtype=int)
    footprint = np.zeros((2 * abs(half_y) + 1, 2 * abs(half_x) + 1), dtype=bool)
    footprint[rows + abs(half_y), cols + abs(half_x)] = True
    return footprint


def imadjust(image: np.ndarray, saturation: float = 0.01) -> np.ndarray:
    """MATLAB ``imadjust(I)`` on uint8: linear stretch clipping ``saturation`` of pixels at each end; float [0, 1]."""
    counts = np.bincount(image.ravel(), minlength=256)
    cdf = np.cumsum(counts) / counts.sum()
    low = int(np.argmax(cdf > saturation))
    high = int(np.argmax(cdf >= 1.0 - saturation))
    values = image.astype(np.float64) / 255.0
    if low >= high:
        return values
    return np.clip((values - low / 255.0) / ((high - low) / 255.0), 0.0, 1.0)


def adaptive_binarize(image: np.ndarray, sensitivity: float = 0.2) -> np.ndarray:
    """MATLAB ``imbinarize(I, 'adaptive', 'Sensitivity', s)`` for bright foreground on a float image in [0, 1]."""
    window = tuple(2 * (n // 16) + 1 for n in image.shape)
    local_mean = ndimage.uniform_filter(image, size=window, mode="nearest")
    threshold = np.minimum((0.6 + (1.0 - sensitivity)) * local_mean, 1.0)
    return image > threshold


def keep_large_components(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Keep 4-connected components with strictly more than ``min_area`` pixels."""
    labels = measure.label(mask, connectivity=1)
    areas = np.bincount(labels.ravel())
    keep = areas > min_area
    keep[0] = False
    return keep[labels]


def _check_parameters(sensitivity: float, saturation: float, sizes: dict[str, float]) -> None:
    if not 0.0 <= sensitivity <= 1.0:
        raise UsvmaskError(f"sensitivity={sensitivity}: must lie in [0, 1]; VocalMat uses 0.2")
    if not 0.0 <= saturation < 0.5:
        raise UsvmaskError(f"saturation={saturation}: must lie in [0, 0.5); VocalMat (imadjust) uses 0.01")
    for name, value in sizes.items():
        minimum = 0 if name.startswith("min_area") else 1
        if value < minimum or int(value) != value:
            raise UsvmaskError(f"{name}={value}: must be an integer >= {minimum}; see the VocalMat defaults")


def _check_image(image: np.ndarray, ndim: int, name: str) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != ndim:
        got = f"{getattr(image, 'dtype', type(image).__name__)} with ndim {getattr(image, 'ndim', '?')}"
        raise UsvmaskError(f"{name}: expected a uint8 array with {ndim} dimensions, got {got}; convert it first")


def segment_image(
    image: np.ndarray,
    *,
    sensitivity: float = 0.2,
    saturation: float = 0.01,
    open_height: int = 4,
    open_width: int = 2,
    dilate_length: int = 4,
    dilate_angle: float = 90.0,
    min_area_first: int = 20,
    min_area_second: int = 60,
    final_dilate_length: int = 3,
    final_dilate_angle: float = 0.0,
) -> np.ndarray:
    """Segment one VocalMat candidate (uint8 HxW, calls bright) the VocalMat way; returns a bool HxW mask."""
    _check_image(image, 2, "image")
    sizes = {"open_height": open_height, "open_width": open_width, "dilate_length": dilate_length,
             "min_area_first": min_area_first, "min_area_second": min_area_second,
             "final_dilate_length": final_dilate_length}
    _check_parameters(sensitivity, saturation, sizes)
    adjusted = imadjust(image, saturation)
    binary = adaptive_binarize(adjusted, sensitivity)
    rectangle = np.ones((int(open_height), int(open_width)), dtype=bool)
    binary = morphology.opening(binary, rectangle, mode="ignore")
    binary = morphology.dilation(binary, line_footprint(dilate_length, dilate_angle), mode="ignore")
    binary &= adjusted > 0
    binary = keep_large_components(binary, int(min_area_first))
    binary = keep_large_components(binary, int(min_area_second))
    final_line = line_footprint(final_dilate_length, final_dilate_angle)
    return morphology.dilation(binary, final_line, mode="ignore")


def segment_images(images: np.ndarray, *, progress: bool = False, **kwargs: float) -> np.ndarray:
    """Segment a stack (N,H,W) uint8 with :func:`segment_image`; returns bool (N,H,W)."""
    _check_image(images, 3, "images")
    masks = np.zeros(images.shape, dtype=bool)
    for index in tqdm(range(len(images)), desc="VocalMat", disable=not progress):
        masks[index] = segment_image(images[index], **kwargs)
    logger.info("VocalMat segmented %d images", len(images))
    return masks
