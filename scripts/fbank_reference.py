#!/usr/bin/python3
"""Reference log-mel filterbanks for KaldiFbankTest, from torchaudio.compliance.kaldi.fbank.

Run once with Debian's Python (apt-get install python3-torchaudio) from the repository root:
    /usr/bin/python3 scripts/fbank_reference.py
It writes src/test/resources/fbank/<settings>-<signal>.f32 (little-endian float32, frames x 128, row-major).
For the intake case, first write the intake's waveform with
    ./mvnw test -Dtest=KaldiFbankTest#writeIntakeWaveform -Dgroups=probe -Dsurefire.excludedGroups=none
The signals are rebuilt in the test from the same formulas (the noise from the same integer generator),
so only the expected filterbanks are stored. torchaudio runs in float64 here, as the Java port computes: in
float32 its FFT's rounding alone moves quiet mel bins by up to 3.4 (log domain) against its own float64
result on a chirp (bins ~37 dB below the frame's peak), which no port could match.
"""
import math
import os
import struct

import torch
import torchaudio.compliance.kaldi as kaldi

RATE = 16000
SAMPLES = 6400  # 0.4 s: 38 frames of 25 ms every 10 ms
OUT = "src/test/resources/fbank"


def noise(n, amplitude, seed):
    """xorshift32, top 24 bits mapped to [-1, 1): the same integers as the Java test's generator."""
    x = seed & 0xFFFFFFFF
    out = []
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(amplitude * ((x >> 8) / float(1 << 23) - 1.0))
    return out


def signals():
    t = [i / RATE for i in range(SAMPLES)]
    dur = SAMPLES / RATE
    return {
        "tone": [0.5 * math.sin(2 * math.pi * 440 * s) for s in t],
        "noise": noise(SAMPLES, 0.3, 12345),
        "chirp": [0.4 * math.sin(2 * math.pi * (100 * s + 0.5 * (7000 - 100) / dur * s * s)) for s in t],
        "silence": noise(SAMPLES, 1e-6, 777),
    }


SETTINGS = {
    # microsoft/unilm beats/BEATs.py preprocess
    "beats": lambda w: kaldi.fbank(w * 2 ** 15, num_mel_bins=128, sample_frequency=16000, frame_length=25,
                                   frame_shift=10),
    # transformers ASTFeatureExtractor._extract_fbank_features
    "ast": lambda w: kaldi.fbank(w, sample_frequency=16000, htk_compat=True, window_type="hanning",
                                 num_mel_bins=128, dither=0.0, frame_shift=10),
}

os.makedirs(OUT, exist_ok=True)
cases = signals()
# A 44.1 kHz stereo track as the intake turns it into 16 kHz mono, written by the Java test's
# writeIntakeWaveform (the resampler is the intake's, so its output is the input here).
intake = os.path.join(OUT, "intake-44k1-stereo.f32")
if os.path.exists(intake):
    with open(intake, "rb") as fh:
        data = fh.read()
    cases["intake-44k1-stereo"] = list(struct.unpack("<%df" % (len(data) // 4), data))
for name, samples in cases.items():
    # The float32 PCM a client sends, computed on in float64.
    wave = torch.tensor(samples, dtype=torch.float32).to(torch.float64).unsqueeze(0)
    for setting, fbank in SETTINGS.items():
        f = fbank(wave)
        path = os.path.join(OUT, "%s-%s.f32" % (setting, name))
        with open(path, "wb") as fh:
            fh.write(struct.pack("<%df" % f.numel(), *f.flatten().tolist()))  # float32 storage: ~1e-7 relative
        print(path, tuple(f.shape))
