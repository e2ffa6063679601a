#!/usr/bin/env bash
# Regenerates the tray icons from pail.svg: the logo plus a corner badge per state
# (idle: none, syncing: blue arrows dot, paused: grey, error: red). Needs ImageMagick + rsvg.
set -euo pipefail
cd "$(dirname "$0")"
rsvg-convert -w 64 -h 64 ../pail.svg -o idle.png
badge() { # name colour glyph
  convert idle.png \( -size 64x64 xc:none -fill "$2" -stroke white -strokewidth 3 -draw "circle 47,47 47,31" \
    -fill white -stroke none -font DejaVu-Sans-Bold -pointsize 20 -gravity center -annotate +15+15 "$3" \) \
    -composite "$1.png"
}
badge syncing '#2563eb' '↻'
badge paused '#6b7280' 'II'
badge error '#dc2626' '!'
