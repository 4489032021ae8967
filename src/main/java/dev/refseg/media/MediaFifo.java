package dev.refseg.media;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A named pipe between the gRPC intake (writer) and FFmpeg (reader).
 * <p>
 * Why a FIFO rather than an InputStream handed to JavaCV: FFmpeg treats a FIFO as a non-seekable,
 * streamed input, so demuxers read forward as bytes arrive. JavaCV's InputStream bridge declares the
 * input seekable and answers size queries by skipping to the end, which would stall until the client
 * finished sending. The kernel pipe buffer also gives backpressure for free: a write blocks while
 * FFmpeg is behind, and the intake only asks gRPC for the next message after the write returns.
 * <p>
 * Two FIFO rules shape the code: opening the read end blocks until a writer exists, and bytes left in
 * a pipe that nobody holds open are discarded. The writer end is therefore opened read-write (never
 * blocks), and is only closed once FFmpeg has the pipe open.
 */
final class MediaFifo {
    private final Path path;
    private final RandomAccessFile writer;
    private final FileInputStream unread;
    private long written;
    private volatile boolean closed;

    MediaFifo(Path dir) throws IOException {
        this.path = dir.resolve("media.fifo");
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("mkfifo " + path + " failed: " + new String(p.getInputStream().readAllBytes()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating " + path, e);
        }
        this.writer = new RandomAccessFile(path.toFile(), "rw");
        // Same descriptor, used only to ask how many bytes are still waiting in the pipe.
        this.unread = new FileInputStream(writer.getFD());
    }

    Path path() {
        return path;
    }

    boolean isClosed() {
        return closed;
    }

    /** Blocks while the pipe is full. */
    void write(byte[] data) throws IOException {
        writer.write(data);
        written += data.length;
    }

    /**
     * End of input. With {@code keepData}, first waits until the reader has taken bytes from the pipe
     * (proof that it has the pipe open, so closing loses nothing), or until the reader is done.
     * Idempotent.
     */
    void close(boolean keepData, BooleanSupplier readerDone) {
        if (closed) {
            return;
        }
        boolean readerOpened = false;
        try {
            while (keepData && written > 0 && !readerDone.getAsBoolean()) {
                if (unread.available() < written) {
                    readerOpened = true;
                    break;
                }
                Thread.sleep(2);
            }
        } catch (IOException ignored) {
            // cannot tell: fall through and close
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        try {
            writer.close();
        } catch (IOException ignored) {
            // the reader sees end of input either way
        }
        if (!readerOpened) {
            unblockReaderOpen(readerDone);
        }
    }

    /**
     * A reader that had not opened the FIFO yet would now block in open() forever, there being no writer
     * left: lend it one for a moment until it has opened, read end of input and finished.
     */
    private void unblockReaderOpen(BooleanSupplier readerDone) {
        try {
            for (int i = 0; i < 3000 && !readerDone.getAsBoolean(); i++) {
                try (RandomAccessFile lend = new RandomAccessFile(path.toFile(), "rw")) {
                    Thread.sleep(5);
                }
                Thread.sleep(5);
            }
        } catch (IOException ignored) {
            // the FIFO is gone: no reader can be waiting on it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads and discards until the writer closes. Called by the reader side after it failed, so that a
     * writer blocked on a full pipe wakes up and can notice the failure. Opened read-write so the open
     * never blocks; that also means reads never see end of file, hence the polling on the writer's state.
     */
    void drain() {
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw");
                FileInputStream in = new FileInputStream(raf.getFD())) {
            byte[] buf = new byte[64 * 1024];
            while (!closed) {
                int n = in.available();
                if (n > 0) {
                    in.read(buf, 0, Math.min(n, buf.length));
                } else {
                    Thread.sleep(5);
                }
            }
        } catch (IOException ignored) {
            // the pipe is gone: nothing left to unblock
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // temp directory cleanup removes it later
        }
    }
}
