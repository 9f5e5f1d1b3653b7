//! Benchmark placeholder (filled in by the inspect work).
fn main() {}
