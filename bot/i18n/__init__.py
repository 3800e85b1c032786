"""Language-dependent presentation: dates and numbers in the participant's language."""
