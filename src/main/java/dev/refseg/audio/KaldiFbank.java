package dev.refseg.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Kaldi's log-mel filterbank as {@code torchaudio.compliance.kaldi.fbank} computes it (models.md §3.2),
 * for the settings the AudioSet taggers use: frames of {@code frameLength} ms every {@code frameShift} ms
 * (snip_edges: only whole frames, {@code 1 + (N - window) / shift} of them), each frame's mean removed,
 * pre-emphasis ({@code x[j] -= 0.97 x[j-1]}, the first sample against itself), a window (povey =
 * Hann^0.85, or Hann, both symmetric), zero-padded to the next power of two, power spectrum, triangular
 * mel filters ({@code 1127 ln(1 + f/700)}, equally spaced between {@code lowFreq} and Nyquist, evaluated
 * at the FFT bin frequencies, the Nyquist bin left out) and {@code log(max(E, 2^-23))}. No dither, no
 * energy term (so {@code htk_compat} changes nothing). Computed in double, returned as float. Each call
 * owns its scratch, so one instance serves any number of threads.
 */
public final class KaldiFbank {
    /** The analysis window over a frame. */
    public enum Window { POVEY, HANNING }

    /**
     * One tagger's settings.
     *
     * @param sampleRate    Hz of the waveform
     * @param frameLengthMs window length, ms (25)
     * @param frameShiftMs  hop, ms (10)
     * @param melBins       filters (128)
     * @param lowFreq       Hz of the lowest filter's left edge (20)
     * @param scale         factor applied to float PCM in [-1, 1] first (BEATs: 2^15; AST: 1)
     */
    public record Settings(int sampleRate, double frameLengthMs, double frameShiftMs, int melBins, Window window,
            double lowFreq, double scale) {
    }

    /** BEATs (microsoft/unilm beats/BEATs.py preprocess): 16 kHz, povey window, waveform x 2^15. */
    public static final Settings BEATS = new Settings(16_000, 25, 10, 128, Window.POVEY, 20, 32768);
    /**
     * The AST feature extractor (transformers ASTFeatureExtractor._extract_fbank_features, checked against its
     * source and MIT/ast-finetuned-audioset-10-10-0.4593's preprocessor_config.json): torchaudio's kaldi.fbank
     * with window_type "hanning", 128 mel bins at 16 kHz and every other argument at its default (25 ms, 10 ms,
     * dither 0, low_freq 20, pre-emphasis 0.97, DC offset removed); the float waveform is not scaled (its
     * 2^15 line is commented out).
     */
    public static final Settings AST = new Settings(16_000, 25, 10, 128, Window.HANNING, 20, 1);

    /** torch.finfo(torch.float).eps: the log floor. */
    static final double LOG_FLOOR = 1.1920928955078125e-07;
    private static final double PREEMPHASIS = 0.97;

    private final Settings settings;
    private final int windowSize;
    private final int shift;
    private final int fftSize;
    private final double[] window;
    /** [melBins][fftSize / 2] filter weights, and each filter's first and last non-zero bin. */
    private final double[][] banks;
    private final int[] first;
    private final int[] last;
    private final DoubleFFT_1D fft;

    public KaldiFbank(Settings s) {
        this.settings = s;
        this.windowSize = (int) (s.sampleRate() * s.frameLengthMs() * 0.001);
        this.shift = (int) (s.sampleRate() * s.frameShiftMs() * 0.001);
        this.fftSize = Integer.highestOneBit(windowSize - 1) << 1;
        this.window = window(s.window(), windowSize);
        this.banks = melBanks(s, fftSize);
        this.first = new int[s.melBins()];
        this.last = new int[s.melBins()];
        for (int m = 0; m < s.melBins(); m++) {
            first[m] = -1;
            for (int k = 0; k < banks[m].length; k++) {
                if (banks[m][k] > 0) {
                    first[m] = first[m] < 0 ? k : first[m];
                    last[m] = k;
                }
            }
        }
        this.fft = new DoubleFFT_1D(fftSize);
    }

    public Settings settings() {
        return settings;
    }

    /** Samples in one frame's window (400 at 16 kHz, 25 ms). */
    public int windowSamples() {
        return windowSize;
    }

    /** Samples between the starts of consecutive frames (160 at 16 kHz, 10 ms). */
    public int shiftSamples() {
        return shift;
    }

    /** Frames a waveform of {@code samples} gives: 0 when shorter than one window. */
    public int frames(int samples) {
        return samples < windowSize ? 0 : 1 + (samples - windowSize) / shift;
    }

    /**
     * @param pcm float PCM in [-1, 1] at {@link Settings#sampleRate}, mono
     * @return [frames][melBins] log mel energies (no frame when the waveform is shorter than one window)
     */
    public float[][] compute(float[] pcm) {
        return compute(pcm, 0, pcm.length);
    }

    /**
     * The filterbank of the samples {@code [from, to)} of {@code pcm}, as {@link #compute(float[])} of that copy.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= from &lt;= to &lt;= pcm.length
     */
    public float[][] compute(float[] pcm, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, pcm.length);
        int n = frames(to - from);
        float[][] out = new float[n][settings.melBins()];
        double[] frame = new double[fftSize];
        double[] power = new double[fftSize / 2];
        for (int t = 0; t < n; t++) {
            int start = from + t * shift;
            double mean = 0;
            for (int i = 0; i < windowSize; i++) {
                frame[i] = pcm[start + i] * settings.scale();
                mean += frame[i];
            }
            mean /= windowSize;
            for (int i = 0; i < windowSize; i++) {
                frame[i] -= mean;
            }
            for (int i = windowSize - 1; i > 0; i--) {
                frame[i] -= PREEMPHASIS * frame[i - 1];
            }
            frame[0] -= PREEMPHASIS * frame[0];
            for (int i = 0; i < windowSize; i++) {
                frame[i] *= window[i];
            }
            java.util.Arrays.fill(frame, windowSize, fftSize, 0);
            fft.realForward(frame);
            // JTransforms' packing: a[0] = Re[0], a[1] = Re[n/2], a[2k], a[2k+1] = Re[k], Im[k].
            power[0] = frame[0] * frame[0];
            for (int k = 1; k < fftSize / 2; k++) {
                power[k] = frame[2 * k] * frame[2 * k] + frame[2 * k + 1] * frame[2 * k + 1];
            }
            for (int m = 0; m < settings.melBins(); m++) {
                double e = 0;
                for (int k = first[m]; k >= 0 && k <= last[m]; k++) {
                    e += banks[m][k] * power[k];
                }
                out[t][m] = (float) Math.log(Math.max(e, LOG_FLOOR));
            }
        }
        return out;
    }

    static double[] window(Window type, int size) {
        double[] w = new double[size];
        for (int i = 0; i < size; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (size - 1));
            w[i] = type == Window.POVEY ? Math.pow(hann, 0.85) : hann;
        }
        return w;
    }

    /** Kaldi's mel scale: 1127 ln(1 + hz / 700). */
    public static double mel(double hz) {
        return 1127.0 * Math.log(1 + hz / 700.0);
    }

    /** Triangular filters over the fftSize / 2 non-Nyquist bins (torchaudio get_mel_banks, no VTLN). */
    static double[][] melBanks(Settings s, int fftSize) {
        int bins = fftSize / 2;
        double nyquist = 0.5 * s.sampleRate();
        double binWidth = (double) s.sampleRate() / fftSize;
        double low = mel(s.lowFreq());
        double high = mel(nyquist);
        double delta = (high - low) / (s.melBins() + 1);
        double[][] banks = new double[s.melBins()][bins];
        for (int m = 0; m < s.melBins(); m++) {
            double left = low + m * delta;
            double center = left + delta;
            double right = center + delta;
            for (int k = 0; k < bins; k++) {
                double f = mel(binWidth * k);
                double up = (f - left) / (center - left);
                double down = (right - f) / (right - center);
                banks[m][k] = Math.max(0, Math.min(up, down));
            }
        }
        return banks;
    }
}
