#!/usr/bin/env bash
# Renders the PNG sizes from the SVG sources (ImageMagick). The PNGs are committed, so building
# keyhop needs no SVG renderer; run this after editing an SVG.
set -euo pipefail
cd "$(dirname "$0")"
for svg in *.svg; do
  name=${svg%.svg}
  for size in 16 22 24 32 48 64 128 256; do
    mkdir -p "${size}x${size}"
    convert -background none -density 384 "$svg" -resize "${size}x${size}" "PNG32:${size}x${size}/${name}.png"
  done
done
