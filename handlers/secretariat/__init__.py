"""The secretariat's tools: importing operations, people and plans."""
