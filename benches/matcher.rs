//! Benchmark: the expect matcher and the lesson loader grow linearly with their input.
//!
//! Run with `cargo bench --bench matcher`. For each size it times, in this process, the
//! matcher on pathological shapes (skip markers alternating with lines that never match,
//! fields full of wildcards against long near-miss words, a long output under a long
//! pattern) and the loader on lessons of many steps, all with one id or all distinct; it
//! prints the median of several runs and the time per item, which stays flat when the work
//! is linear. Figures are in BENCHMARKS.md.
//!
//! Without `--bench` on its command line (as under `cargo test --benches`) it does nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use socklab::lesson::expect::Expected;
use socklab::lesson::format;

const RUNS: usize = 7;

fn median(mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn row(case: &str, size: usize, time: Duration) {
    let per = time.as_secs_f64() * 1e9 / size as f64;
    println!("| {case} | {size} | {:.3} ms | {per:.1} ns |", time.as_secs_f64() * 1e3);
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("benches/matcher.rs: run it with `cargo bench --bench matcher`");
        return;
    }
    println!("| case | size | median | per item |\n|---|---:|---:|---:|");
    for size in [10_000, 100_000, 1_000_000] {
        // `...` then a line no output line matches, over and over, against an output of as
        // many lines: each run of lines is tried once per start, never re-tried.
        let pattern = "...\nnever here\n".repeat(size / 2);
        let output = "some line\n".repeat(size);
        let expected = Expected::parse(&pattern);
        row(
            "`...`/line pairs vs output (lines)",
            size,
            median(|| {
                black_box(expected.matches(black_box(&output)));
            }),
        );
    }
    for size in [1_000, 10_000, 100_000] {
        // The worst shape within the limits: a run of 999 lines that fits everywhere but its
        // last line, after a `...`, so that each start is tried for up to 999 lines before
        // moving on: the work is the run's length times the output's.
        let pattern = format!("...\n{}b\n...\n", "a\n".repeat(999));
        let output = "a\n".repeat(size);
        let expected = Expected::parse(&pattern);
        row(
            "999-line run after `...`, worst case (output lines)",
            size,
            median(|| {
                black_box(expected.matches(black_box(&output)));
            }),
        );
    }
    for size in [10_000, 100_000, 1_000_000] {
        // Sixteen wildcards against a word of `size` letters that almost matches.
        let expected = Expected::parse(&format!("{}b", "a{?}".repeat(16)));
        let word = "a".repeat(size);
        row(
            "16 `{?}` vs near-miss word (bytes)",
            size,
            median(|| {
                black_box(expected.matches(black_box(&word)));
            }),
        );
    }
    for size in [1_000, 10_000, 100_000] {
        // An ss-like table, expected with a skip marker at each end and wildcards in it.
        let output: String = (0..size)
            .map(|i| format!("LISTEN 0 5 127.0.0.1:{} 0.0.0.0:* ino:{i}\n", 1000 + i % 60_000))
            .collect();
        let expected = Expected::parse("...\nLISTEN 0 5 127.0.0.1:{?} 0.0.0.0:* ino:{?}\n...\n");
        row(
            "ss table, one row wanted (lines)",
            size,
            median(|| {
                black_box(expected.matches(black_box(&output)));
            }),
        );
    }
    for (label, same) in
        [("loader, distinct step ids (steps)", false), ("loader, one id (steps)", true)]
    {
        for size in [1_000, 10_000, 100_000] {
            let mut text = String::from("format_version = 1\nid = \"big\"\ntitle = \"Big\"\n");
            for i in 0..size {
                let id = if same { "same".to_owned() } else { format!("s{i}") };
                text.push_str(&format!(
                    "[[steps]]\nid = \"{id}\"\ntitle = \"T\"\nrun = \"ss -tln\"\n"
                ));
            }
            row(
                label,
                size,
                median(|| {
                    black_box(format::parse("big.toml", black_box(&text)).is_ok());
                }),
            );
        }
    }
}
