#!/usr/bin/env bash
# Makes keyhop.ico (the installer's and Start-menu shortcut's icon) from the committed PNG sizes
# of resources/icons (ImageMagick). keyhop.ico is committed, so building the MSI on Windows
# needs no image tools; run this after changing the icons.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
icons=$here/../../resources/icons
pngs=()
for size in 16 24 32 48 64 128 256; do
  pngs+=("$icons/${size}x${size}/keyhop-active.png")
done
convert "${pngs[@]}" "$here/keyhop.ico"
