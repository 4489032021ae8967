package dev.refseg.detect;

import dev.refseg.mask.PixelBox;

/**
 * One detector proposal.
 *
 * @param box    pixels of the original frame, xyxy
 * @param score  max token probability of the query, in [0, 1]
 * @param phrase the caption words the query matched (tokens above the text threshold)
 */
public record Detection(PixelBox box, float score, String phrase) {
}
