"""Rendering helpers shared by every output: number formatting and math markup."""
