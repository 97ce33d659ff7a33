# /// script
# requires-python = ">=3.9"
# dependencies = ["numpy", "h5py"]
# ///
"""`python3 -m mule_reference <stage> ...` (with packages/verify/python on PYTHONPATH), or
`uv run packages/verify/python/mule_reference/__main__.py <stage> ...`: the same code path."""
import os
import sys

if not __package__:  # run as a script (uv run): make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mule_reference.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
