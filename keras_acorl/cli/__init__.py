"""The `keras-acorl` command line: one module per job (`demo`, ...)."""
