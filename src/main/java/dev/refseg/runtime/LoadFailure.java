package dev.refseg.runtime;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Why ONNX Runtime could not load a model file, in words an operator can act on. Downloads fail in a few
 * typical ways (cut short, an empty file, a Git LFS pointer checked out instead of the file, an HTML error
 * page saved under the model's name), and ORT reports all of them as "Protobuf parsing failed"; the file's
 * size and first bytes tell them apart.
 */
final class LoadFailure {
    private LoadFailure() {
    }

    /** The message for a file ORT refused: the file, its size in bytes, and what is wrong with it. */
    static String describe(Path file, OrtException e) {
        long size = size(file);
        String head = head(file);
        String where = size < 0 ? file.toString() : file + " (" + String.format(Locale.ROOT, "%,d", size) + " bytes)";
        if (size == 0) {
            return file + " is empty (0 bytes): the download did not complete";
        }
        if (head.startsWith("version https://git-lfs")) {
            return where + " is a Git LFS pointer, not the model: fetch the file itself (git lfs pull, or the "
                    + "file's download link)";
        }
        if (head.stripLeading().startsWith("<")) {
            return where + " is an HTML or XML page, not an ONNX model (a failed download saved under the model's name?)";
        }
        if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF
                || String.valueOf(e.getMessage()).contains("Protobuf parsing failed")) {
            return where + " is truncated or not an ONNX model (ONNX Runtime: Protobuf parsing failed); download it "
                    + "again and compare its size with the source's";
        }
        return "cannot load " + where + " with ONNX Runtime: " + e.getMessage();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The first bytes as text (enough to recognise an LFS pointer or markup), or "" when unreadable. */
    private static String head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(64), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
