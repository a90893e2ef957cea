"""The collections domain: pure values and enums. No I/O here."""
