class Config:
    """Stand-in: remembers the config path (the stand-in Analysis ignores it)."""

    def __init__(self, path):
        self.path = path
