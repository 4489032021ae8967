#!/usr/bin/env bash
# Regenerates src/test/resources/jpeg-variants: JPEG variants written by libjpeg (gen.c) and, for each,
# FFmpeg's decode of it as binary PPM (the reference ImageDecoderTest compares refseg's pixels with).
# Needs Debian's libjpeg62-turbo-dev, gcc and ffmpeg:  apt-get install libjpeg62-turbo-dev ffmpeg
set -euo pipefail
cd "$(dirname "$0")"
out=../../src/test/resources/jpeg-variants
mkdir -p "$out"
rm -f "$out"/*.jpg "$out"/*.ppm
gcc -O2 -o /tmp/refseg-jpeg-gen gen.c -ljpeg
/tmp/refseg-jpeg-gen "$out"
for f in "$out"/*.jpg; do
  ffmpeg -v error -y -i "$f" -frames:v 1 -pix_fmt rgb24 -f image2 -c:v ppm "${f%.jpg}.ppm"
done
{ echo "# made by scripts/jpeg-variants/make.sh with:"; gcc --version | head -1; dpkg-query -W libjpeg62-turbo-dev 2>/dev/null || true;
  ffmpeg -version | head -1; } > "$out/VERSIONS"
ls -la "$out"
