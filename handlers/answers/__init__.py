"""Answers: "how did others handle X?" from the library of learning products."""
