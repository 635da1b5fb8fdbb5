//! Attaching `k` and `alpha` to sweeps: flags, a TOML manifest, or the file name.
