"""The running dialer: campaigns paced, leads claimed and gated, calls placed and followed,
answered calls handed to agents within the 2-second rule."""
