/*
 * Writes the JPEG variants refseg's decoder is tested on, with libjpeg (Debian's libjpeg62-turbo):
 * one odd-sized synthetic picture (67x45: gradients, hard edges, saturated colours) as baseline 4:2:0,
 * 4:2:2, 4:4:4, progressive, greyscale, Adobe CMYK, Adobe YCCK, ICC-tagged and with restart markers.
 * Run by make.sh; the output is committed as test data (src/test/resources/media-references).
 * Usage: gen OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define W 67
#define H 45

static unsigned char rgb[W * H * 3];

static void picture(void) {
  for (int y = 0; y < H; y++) {
    for (int x = 0; x < W; x++) {
      unsigned char *p = rgb + 3 * (y * W + x);
      p[0] = (unsigned char) (x * 255 / (W - 1));
      p[1] = (unsigned char) (y * 255 / (H - 1));
      p[2] = (unsigned char) (((x / 8 + y / 8) % 2) ? 230 : 20);
      if (x > 40 && x < 55 && y > 10 && y < 30) { p[0] = 250; p[1] = 10; p[2] = 10; }   /* red block */
      if ((x - 15) * (x - 15) + (y - 30) * (y - 30) < 64) { p[0] = 10; p[1] = 200; p[2] = 240; } /* disc */
    }
  }
}

enum { RGB, GREY, CMYK };

static void write_jpeg(const char *dir, const char *name, int kind, int h, int v, int progressive,
                       int restart, int ycck, int icc) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.jpg", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(1); }
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = W;
  c.image_height = H;
  c.input_components = kind == GREY ? 1 : kind == CMYK ? 4 : 3;
  c.in_color_space = kind == GREY ? JCS_GRAYSCALE : kind == CMYK ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&c);
  if (ycck) jpeg_set_colorspace(&c, JCS_YCCK);
  jpeg_set_quality(&c, 92, TRUE);
  if (kind == RGB) {
    c.comp_info[0].h_samp_factor = h;
    c.comp_info[0].v_samp_factor = v;
    c.comp_info[1].h_samp_factor = c.comp_info[1].v_samp_factor = 1;
    c.comp_info[2].h_samp_factor = c.comp_info[2].v_samp_factor = 1;
  }
  if (progressive) jpeg_simple_progression(&c);
  if (restart) c.restart_interval = restart;
  jpeg_start_compress(&c, TRUE);
  if (icc) {
    /* A minimal ICC v2 display profile header (128 bytes, no tags): decoders must not let it change pixels. */
    unsigned char prof[132];
    memset(prof, 0, sizeof prof);
    prof[3] = 132;
    memcpy(prof + 4, "none", 4);
    prof[8] = 2; prof[9] = 0x10;
    memcpy(prof + 12, "mntr", 4);
    memcpy(prof + 16, "RGB ", 4);
    memcpy(prof + 20, "XYZ ", 4);
    memcpy(prof + 36, "acsp", 4);
    jpeg_write_icc_profile(&c, prof, sizeof prof);
  }
  unsigned char row[W * 4];
  while (c.next_scanline < H) {
    const unsigned char *src = rgb + 3 * W * c.next_scanline;
    for (int x = 0; x < W; x++) {
      const unsigned char *p = src + 3 * x;
      if (kind == GREY) {
        row[x] = (unsigned char) ((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
      } else if (kind == CMYK) {
        /* Adobe convention (as Photoshop writes it): stored values are inverted ink amounts. */
        int k = 255 - (p[0] > p[1] ? (p[0] > p[2] ? p[0] : p[2]) : (p[1] > p[2] ? p[1] : p[2]));
        row[4 * x] = (unsigned char) (255 - (255 - p[0] - k < 0 ? 0 : 255 - p[0] - k));
        row[4 * x + 1] = (unsigned char) (255 - (255 - p[1] - k < 0 ? 0 : 255 - p[1] - k));
        row[4 * x + 2] = (unsigned char) (255 - (255 - p[2] - k < 0 ? 0 : 255 - p[2] - k));
        row[4 * x + 3] = (unsigned char) (255 - k);
      } else {
        memcpy(row + 3 * x, p, 3);
      }
    }
    JSAMPROW r = row;
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: gen OUT_DIR\n"); return 2; }
  picture();
  write_jpeg(argv[1], "baseline-420", RGB, 2, 2, 0, 0, 0, 0);
  write_jpeg(argv[1], "baseline-422", RGB, 2, 1, 0, 0, 0, 0);
  write_jpeg(argv[1], "baseline-444", RGB, 1, 1, 0, 0, 0, 0);
  write_jpeg(argv[1], "progressive-420", RGB, 2, 2, 1, 0, 0, 0);
  write_jpeg(argv[1], "progressive-444", RGB, 1, 1, 1, 0, 0, 0);
  write_jpeg(argv[1], "greyscale", GREY, 1, 1, 0, 0, 0, 0);
  write_jpeg(argv[1], "greyscale-progressive", GREY, 1, 1, 1, 0, 0, 0);
  write_jpeg(argv[1], "cmyk-adobe", CMYK, 1, 1, 0, 0, 0, 0);
  write_jpeg(argv[1], "ycck-adobe", CMYK, 1, 1, 0, 0, 1, 0);
  write_jpeg(argv[1], "icc-tagged", RGB, 2, 2, 0, 0, 0, 1);
  write_jpeg(argv[1], "restart-markers", RGB, 2, 2, 0, 2, 0, 0);
  write_jpeg(argv[1], "restart-markers-progressive", RGB, 2, 1, 1, 1, 0, 0);
  return 0;
}
