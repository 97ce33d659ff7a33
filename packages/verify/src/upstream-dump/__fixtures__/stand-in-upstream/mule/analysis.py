from .features import AudioWaveform, MelSpectrogram
from .features.transform_features.embedding_feature import EmbeddingFeature


class Analysis:
    """Stand-in with the attributes upstream_dump.py reads."""

    def __init__(self, config):
        self._source_feature = AudioWaveform()
        self._feature_transforms = [MelSpectrogram(), EmbeddingFeature()]
