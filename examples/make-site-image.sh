#!/usr/bin/env bash
# Regenerates examples/site.img from examples/site with mkfs.fat and mtools, reproducibly.
# (The bundled image is what `npm start` reads until `fat make --from` builds it itself.)
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC MTOOLS_SKIP_CHECK=1 SOURCE_DATE_EPOCH=1767225600
img=site.img
rm -f "$img"
mkfs.fat -C --invariant -n "FIELDNOTES" "$img" 1440 >/dev/null
find site -exec touch -h -d @$SOURCE_DATE_EPOCH {} +
mcopy -i "$img" -s -m site/* site/.[!.]* ::/ 2>/dev/null || mcopy -i "$img" -s -m site/* ::/
mdir -i "$img" -/ -b ::/ >/dev/null
echo "wrote examples/$img"
