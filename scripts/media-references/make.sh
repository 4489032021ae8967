#!/usr/bin/env bash
# Regenerates src/test/resources/media-references, the decode references of refseg's media tests:
#  - JPEG variants written by libjpeg (gen.c) and, for each, FFmpeg's decode of it as binary PPM
#    (ImageDecoderTest compares refseg's pixels with them);
#  - a raw H.264 stream whose display orientation is declared only by an SEI message, and the ffmpeg
#    command's (auto-rotated) decode of its first frame (ContainerDecoderTest).
# Needs Debian's libjpeg62-turbo-dev, gcc and ffmpeg (with libx264):  apt-get install libjpeg62-turbo-dev ffmpeg
set -euo pipefail
cd "$(dirname "$0")"
out=../../src/test/resources/media-references
mkdir -p "$out"
rm -f "$out"/*.jpg "$out"/*.ppm "$out"/*.h264
gcc -O2 -o /tmp/refseg-jpeg-gen gen.c -ljpeg
/tmp/refseg-jpeg-gen "$out"
for f in "$out"/*.jpg; do
  ffmpeg -v error -y -i "$f" -frames:v 1 -pix_fmt rgb24 -f image2 -c:v ppm "${f%.jpg}.ppm"
done
ffmpeg -v error -y -f lavfi -i testsrc=size=64x48:rate=10 -frames:v 8 -c:v libx264 -pix_fmt yuv420p \
  -bsf:v "h264_metadata=display_orientation=insert:rotate=90" "$out/display-orientation-sei.h264"
ffmpeg -v error -y -i "$out/display-orientation-sei.h264" -frames:v 1 -pix_fmt rgb24 -f image2 -c:v ppm \
  "$out/display-orientation-sei.ppm"
{ echo "# made by scripts/media-references/make.sh with:"; gcc --version | head -1; dpkg-query -W libjpeg62-turbo-dev 2>/dev/null || true;
  ffmpeg -version | head -1; } > "$out/VERSIONS"
ls -la "$out"
