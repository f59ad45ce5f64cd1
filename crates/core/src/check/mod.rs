//! Exhaustive checking: a bounded breadth-first explorer and the built-in reference model.
