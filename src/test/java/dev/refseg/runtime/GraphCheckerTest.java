package dev.refseg.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.onnx.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Element types: half precision stands in for float, nothing else stands in for anything. */
class GraphCheckerTest {
    static final Path FILE = Path.of("beats.onnx");

    private static GraphChecker.Match check(DType fbank, DType probs) {
        return GraphChecker.check(CanonicalGraphs.AUDIO_TAGGER, FILE, List.of(CanonicalGraphs.BEATS),
                Map.of("fbank", TensorSpec.of("fbank", fbank, -1, -1, 128)),
                Map.of("probs", TensorSpec.of("probs", probs, -1, 527)));
    }

    @Test
    void halfPrecisionIsAcceptedAndRecorded() {
        GraphChecker.Match m = check(DType.BFLOAT16, DType.FLOAT16);
        assertSame(CanonicalGraphs.BEATS, m.spec());
        assertEquals(List.of("fbank bfloat16", "probs float16"), m.converted());
        assertEquals(List.of(), check(DType.FLOAT, DType.FLOAT).converted());
    }

    @Test
    void otherTypesAreRefusedNamingTheTensor() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> check(DType.DOUBLE, DType.FLOAT));
        assertTrue(e.getMessage().contains("input 'fbank' is double, expected float"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> check(DType.FLOAT, DType.INT8));
        assertTrue(e.getMessage().contains("output 'probs' is int8, expected float"), e.getMessage());
    }
}
