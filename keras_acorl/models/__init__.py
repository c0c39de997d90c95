"""Models of keras-acorl."""
