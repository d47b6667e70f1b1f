"""Synthetic VocalMat-like data: call contours, audio rendering, candidate corpus and long recordings."""
