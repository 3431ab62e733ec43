// Placeholder until this target is built; see the issue that fills it.
