import numpy as np

from ..source_files import AudioFile


class AudioWaveform:
    """Stand-in: channels summed, every third sample kept (not a real resampler)."""

    def clear(self):
        self.data = None

    def from_file(self, path):
        source = AudioFile()
        source.load(path)
        chunks = []
        while True:
            chunk = source.read(1000)
            if chunk is None:
                break
            chunks.append(chunk.sum(axis=0))
        source.close()
        self.data = np.concatenate(chunks)[::3].reshape(1, -1)


class MelSpectrogram:
    """Stand-in: 96 'bins' of framed absolute values (not a mel spectrogram)."""

    def clear(self):
        self.data = None

    def from_feature(self, waveform):
        x = np.abs(waveform.data.reshape(-1))
        frames = (len(x) - 96) // 10
        self.data = np.stack([x[b : b + frames * 10 : 10] * (b + 1) for b in range(96)]).astype(np.float32)
