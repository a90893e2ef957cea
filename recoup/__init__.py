"""Recoup's shared kernel: settings, the collections domain and its pure rules, storage, the
event bus, imports, and the command line."""
