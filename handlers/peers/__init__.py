"""Peer to peer: what other operations are doing on a topic, with their consent, and introductions."""
