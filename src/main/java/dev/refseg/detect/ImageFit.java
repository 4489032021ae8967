package dev.refseg.detect;

import dev.refseg.runtime.ImageTensors;
import dev.refseg.runtime.ModelLoadException;
import java.util.Arrays;

/**
 * How a frame goes into GroundingDINO's image input, decided once from the graph's declared image shape
 * [1,3,H,W] and whether it has a {@code pixel_mask} input:
 * <ul>
 *   <li>{@link Kind#RESIZE}, H and W dynamic: short side 800, long side at most 1333, aspect kept, no
 *       padding (IDEA {@code datasets/transforms.py: resize}, the Hugging Face processor's
 *       {@code shortest_edge}/{@code longest_edge}).</li>
 *   <li>{@link Kind#LETTERBOX}, H and W fixed with a {@code pixel_mask} (e.g. onnx-community/
 *       grounding-dino-tiny-ONNX, [1,3,800,800]): the largest aspect-kept size that fits inside W x H, at
 *       the top left; the bottom and right are padding, 0 in the normalised tensor, and {@code pixel_mask}
 *       [1,H,W] int64 is 1 on the image and 0 on the padding, as the Hugging Face DETR-family processors pad
 *       ({@code image_processing_grounding_dino.py: _pad_image, make_pixel_mask}).</li>
 *   <li>{@link Kind#STRETCH}, H and W fixed without a {@code pixel_mask} (the traced IDEA/wenyi5608
 *       exports): stretched to W x H, aspect not kept, as hpc203 does; the graph cannot be told about
 *       padding, so there is none.</li>
 * </ul>
 * A graph with one fixed and one dynamic side is refused ({@link ModelLoadException}): no known export
 * has one, and guessing the free side could hand the backbone a size it cannot take.
 * <p>
 * Boxes: in every fit the predicted boxes are normalised over the valid (unpadded) region, and that
 * region holds the whole frame, so they scale back by the frame's own width and height. For the
 * letterbox this is the model's own convention (transformers {@code modeling_grounding_dino.py}): the
 * sine position embedding normalises the cumulative sum of {@code pixel_mask} by its last value (the valid
 * extent), the two-stage proposals divide grid positions by the valid width and height, and the decoder
 * multiplies its reference points (the boxes it refines) by the valid ratios before sampling the padded
 * feature maps; the {@code pred_boxes} doc says "relative to the size of each individual image in the
 * batch (disregarding possible padding)". Scaling by the padded size would shift and stretch every box.
 * <p>
 * No side of the image is made smaller than {@link #MIN_SIDE} px (the backbone's total stride), nor larger
 * than the graph's fixed side: a frame more extreme than that is stretched along its short side.
 */
final class ImageFit {
    enum Kind { RESIZE, LETTERBOX, STRETCH }

    /** Short side of the dynamic resize. */
    static final int SHORT_SIDE = 800;
    /** Longest side the dynamic resize gives. */
    static final int MAX_LONG_SIDE = 1333;
    /** The largest fixed side accepted: twice the processor's long side covers every published export. */
    static final int MAX_FIXED_SIDE = 2 * MAX_LONG_SIDE;
    /** Smallest side the model is given: the Swin backbone's total stride. */
    static final int MIN_SIDE = 32;

    private final Kind kind;
    private final int fixedWidth;
    private final int fixedHeight;

    private ImageFit(Kind kind, int fixedWidth, int fixedHeight) {
        this.kind = kind;
        this.fixedWidth = fixedWidth;
        this.fixedHeight = fixedHeight;
    }

    /**
     * @param shape      the image input's declared shape [N,3,H,W] (dynamic dimensions &lt;= 0)
     * @param pixelMask  whether the graph has a {@code pixel_mask} input
     * @throws ModelLoadException when exactly one of H and W is fixed, or a fixed side is over
     *                            {@link #MAX_FIXED_SIDE}
     */
    static ImageFit of(String input, long[] shape, boolean pixelMask) {
        boolean fixedH = shape.length == 4 && shape[2] > 0;
        boolean fixedW = shape.length == 4 && shape[3] > 0;
        if (fixedH != fixedW) {
            throw new ModelLoadException("gdino.detector: " + input + " " + Arrays.toString(shape) + " fixes only its "
                    + (fixedH ? "height" : "width") + "; the detector takes graphs whose height and width are both "
                    + "fixed or both dynamic");
        }
        if (!fixedH) {
            return new ImageFit(Kind.RESIZE, 0, 0);
        }
        if (shape[2] > MAX_FIXED_SIDE || shape[3] > MAX_FIXED_SIDE) {
            // Refused here rather than by an out-of-memory error on the first frame.
            throw new ModelLoadException("gdino.detector: " + input + " " + Arrays.toString(shape) + " declares a side "
                    + "over " + MAX_FIXED_SIDE + " px; GroundingDINO exports use 800 (fixed) or at most 1333");
        }
        return new ImageFit(pixelMask ? Kind.LETTERBOX : Kind.STRETCH, (int) shape[3], (int) shape[2]);
    }

    Kind kind() {
        return kind;
    }

    /** One line for the log: the fit and why. */
    String describe() {
        return switch (kind) {
            case RESIZE -> "image size dynamic: frames resized to short side " + SHORT_SIDE + ", long side at most "
                    + MAX_LONG_SIDE + ", aspect kept";
            case LETTERBOX -> "image size fixed at " + fixedWidth + "x" + fixedHeight + " with pixel_mask: frames "
                    + "letterboxed (aspect kept, top left, padded bottom and right, pixel_mask 0 on the padding)";
            case STRETCH -> "image size fixed at " + fixedWidth + "x" + fixedHeight + " without pixel_mask: frames "
                    + "stretched to it (aspect not kept)";
        };
    }

    /** Where a w x h frame goes. */
    Placement place(int w, int h) {
        return switch (kind) {
            case RESIZE -> {
                int[] s = resized(w, h);
                yield new Placement(s[0], s[1], s[0], s[1]);
            }
            case LETTERBOX -> {
                int[] s = fitted(w, h);
                yield new Placement(fixedWidth, fixedHeight, s[0], s[1]);
            }
            case STRETCH -> new Placement(fixedWidth, fixedHeight, fixedWidth, fixedHeight);
        };
    }

    /**
     * The dynamic rule (datasets/transforms.py). Beyond an aspect ratio of 1333:{@value #MIN_SIDE} (about
     * 42:1) it would shrink the short side below the backbone's stride, down to 0 past about 2666:1: there
     * the short side is held at {@value #MIN_SIDE} and the long side at 1333 (3840x1 is read as 1333x32).
     */
    private static int[] resized(int w, int h) {
        int min = Math.min(w, h);
        int max = Math.max(w, h);
        int size = SHORT_SIDE;
        if ((double) max / min * size > MAX_LONG_SIDE) {
            size = (int) Math.round((double) MAX_LONG_SIDE * min / max);
        }
        int shortSide = size;
        int longSide = (int) ((double) size * max / min);
        if (size < MIN_SIDE) {
            shortSide = MIN_SIDE;
            longSide = MAX_LONG_SIDE;
        }
        return w <= h ? new int[] {shortSide, longSide} : new int[] {longSide, shortSide};
    }

    /** The largest aspect-kept size inside the fixed one (the binding side exact, the other floored). */
    private int[] fitted(int w, int h) {
        boolean widthBinds = (long) w * fixedHeight >= (long) h * fixedWidth;
        int fw = widthBinds ? fixedWidth : (int) ((long) w * fixedHeight / h);
        int fh = widthBinds ? (int) ((long) h * fixedWidth / w) : fixedHeight;
        return new int[] {atLeastStride(fw, fixedWidth), atLeastStride(fh, fixedHeight)};
    }

    private static int atLeastStride(int side, int limit) {
        return Math.min(limit, Math.max(Math.min(MIN_SIDE, limit), side));
    }

    /**
     * Where one frame goes: the input tensor is inputWidth x inputHeight and the resized frame fills its top
     * left imageWidth x imageHeight (the rest is padding; none unless letterboxed).
     */
    record Placement(int inputWidth, int inputHeight, int imageWidth, int imageHeight) {
        /** [1,3,inputHeight,inputWidth] normalised RGB, 0 on the padding. */
        float[] pixels(byte[] rgb, int w, int h) {
            return ImageTensors.paddedNchw(rgb, w, h, imageWidth, imageHeight, inputWidth, inputHeight,
                    ImageTensors.IMAGENET_MEAN, ImageTensors.IMAGENET_STD);
        }

        /** [1,inputHeight,inputWidth] int64: 1 on the image, 0 on the padding. */
        long[] pixelMask() {
            long[] mask = new long[inputWidth * inputHeight];
            for (int y = 0; y < imageHeight; y++) {
                Arrays.fill(mask, y * inputWidth, y * inputWidth + imageWidth, 1L);
            }
            return mask;
        }
    }
}
