#!/usr/bin/env python3
"""Draws the default Rounds icons (a speech bubble with a care cross) as PNGs, without
dependencies. Clinics replace public/icons/ with their own; run this to regenerate the defaults:
    python3 scripts/make-icons.py
"""
import struct
import zlib
from pathlib import Path

TEAL = (15, 110, 110)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"


def png(path, size, pixel):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    path.write_bytes(data)


def inside_rounded(x, y, x0, y0, x1, y1, r):
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and x0 <= x <= x1 and y0 <= y <= y1


def icon(scale):
    """A pixel function; `scale` shrinks the drawing into the maskable safe zone."""
    def pixel(x, y, size):
        u, v = x / size, y / size
        # Map into the drawing's own square, centred.
        u, v = 0.5 + (u - 0.5) / scale, 0.5 + (v - 0.5) / scale
        bubble = inside_rounded(u, v, 0.18, 0.2, 0.82, 0.7, 0.12)
        tail = 0.3 <= u <= 0.45 and 0.68 <= v <= 0.84 and (v - 0.68) <= (0.45 - u) * 1.1
        cross = (0.45 <= u <= 0.55 and 0.3 <= v <= 0.6) or (0.35 <= u <= 0.65 and 0.4 <= v <= 0.5)
        if (bubble or tail) and not cross:
            return WHITE
        return TEAL
    return pixel


OUT.mkdir(parents=True, exist_ok=True)
for size in (192, 512):
    png(OUT / f"icon-{size}.png", size, icon(1.0))
png(OUT / "maskable-512.png", 512, icon(1.35))
png(OUT / "apple-touch-icon.png", 180, icon(1.0))
print(f"icons written to {OUT}")
