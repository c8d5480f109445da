"""Zimei (自媒): a self-hostable, Chinese-first self-media platform."""
