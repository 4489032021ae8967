package dev.refseg.detect;

import dev.refseg.mask.PixelBox;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * GroundingDINO post-processing (reference/models.md §2.3, IDEA {@code predict} / HF
 * {@code post_process_grounded_object_detection}): sigmoid of the token logits (only the caption's real
 * tokens), a query is kept when its best token probability exceeds the box threshold; its phrase is the
 * caption tokens (without [CLS]/[SEP], dots stripped) whose probability exceeds the text threshold; its
 * box goes from normalised (cx, cy, w, h) to pixel xyxy of the original frame, clamped to it (the
 * unclamped box is kept beside it, so the clamp can be reported). Best first, at most {@code maxBoxes}.
 * No NMS, as in the reference pipeline.
 */
public final class DetectionDecoder {
    private DetectionDecoder() {
    }

    /**
     * @param logits   [queries * tokensPadded] pre-sigmoid (columns >= length are padding)
     * @param boxes    [queries * 4] normalised cx, cy, w, h
     * @param inputIds the caption's token ids ({@link CaptionEncoding#inputIds()})
     */
    public static List<Detection> decode(float[] logits, int tokensPadded, float[] boxes, long[] inputIds,
            BertTokenizer tok, float boxThreshold, float textThreshold, int maxBoxes, int width, int height) {
        int queries = boxes.length / 4;
        int len = Math.min(inputIds.length, tokensPadded);
        List<Detection> out = new ArrayList<>();
        float[] prob = new float[len];
        for (int q = 0; q < queries; q++) {
            float best = 0;
            for (int j = 0; j < len; j++) {
                prob[j] = sigmoid(logits[q * tokensPadded + j]);
                best = Math.max(best, prob[j]);
            }
            if (best <= boxThreshold) {
                continue;
            }
            StringBuilder phrase = new StringBuilder();
            for (int j = 1; j < len - 1; j++) {
                if (prob[j] > textThreshold) {
                    String t = tok.token((int) inputIds[j]);
                    if (t.equals(".")) {
                        continue;
                    }
                    if (t.startsWith("##")) {
                        phrase.append(t.substring(2));
                    } else {
                        if (phrase.length() > 0) {
                            phrase.append(' ');
                        }
                        phrase.append(t);
                    }
                }
            }
            float cx = boxes[4 * q];
            float cy = boxes[4 * q + 1];
            float w = boxes[4 * q + 2];
            float h = boxes[4 * q + 3];
            PixelBox p = new PixelBox((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width,
                    (cy + h / 2) * height);
            PixelBox b = new PixelBox(clamp(p.x1(), width), clamp(p.y1(), height), clamp(p.x2(), width),
                    clamp(p.y2(), height));
            out.add(new Detection(b, best, phrase.toString(), p));
        }
        out.sort(Comparator.comparingDouble(Detection::score).reversed());
        return out.size() > maxBoxes ? new ArrayList<>(out.subList(0, maxBoxes)) : out;
    }

    private static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }

    private static float clamp(float v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
