"""mule_reference: an independent reference of the MULE pipeline (log-mel, slicing, and the
SF-NFNet-F0 backbone evaluated from the .keras file's own graph), for checking mule-ts.

The front-end modules (frontend, real_fft, slicer, npy, flat_array) use the standard library only;
keras_file, graph_eval, layer_ops and backbone need numpy and h5py."""

__version__ = "0.1.0"
