import wave

import numpy as np


class AudioFile:
    """Stand-in: reads a 16-bit WAV in chunks, as (channels, n) float32 int16 / 2^16."""

    def load(self, path):
        self._wav = wave.open(path, "rb")
        self.channels = self._wav.getnchannels()

    def read(self, n):
        frames = self._wav.readframes(n)
        if not frames:
            return None
        samples = np.frombuffer(frames, dtype="<i2").reshape(-1, self.channels).T
        return (samples / 65536.0).astype(np.float32)

    def close(self):
        self._wav.close()
