//! Benchmark: `socklab class report` over a class of 500 students.
//!
//! Run with `cargo bench --bench class` as root (each record must belong to its student's
//! uid, so the benchmark chowns them; without root it says so and stops). It writes 500
//! records for uids 5,000,000 and up, each with a verdict for every step, exercise and quiz of
//! the shipped lessons (as a student who did the whole tutorial leaves them), then runs the
//! report as a whole process in each format, 21 times, and prints median and minimum wall
//! time, and peak memory from GNU time (`%M`, when /usr/bin/time exists). The in-process rows
//! time reading the directory and rendering the table alone.
//!
//! Without `--bench` on its command line (as under `cargo test --benches`) it does nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use socklab::class::record::{Event, Record, write_at};
use socklab::class::report;
use socklab::runner::verdict::Verdict;

const STUDENTS: u32 = 500;
const FIRST_UID: u32 = 5_000_000;
const RUNS: usize = 21;

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("benches/class.rs: run it with `cargo bench --bench class`");
        return;
    }
    if !rustix::process::geteuid().is_root() {
        eprintln!("notice: records must belong to 500 uids; run this benchmark as root");
        return;
    }
    let lessons = socklab::lesson::shipped().unwrap();
    let class = tempfile::tempdir().unwrap();
    // SOCKLAB_BENCH_KEEP=1 leaves the class directory behind, to profile the report by hand.
    let (dir, _removed_at_the_end) = if std::env::var_os("SOCKLAB_BENCH_KEEP").is_some() {
        (class.keep(), None)
    } else {
        (class.path().to_owned(), Some(class))
    };
    let class = dir.as_path();
    generate(class, &lessons);
    let bytes: u64 =
        std::fs::read_dir(class).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    eprintln!("{STUDENTS} records, {bytes} bytes in all, in {}", class.display());

    println!("| `socklab class report` over {STUDENTS} records | median | min | max RSS |");
    println!("|---|---:|---:|---:|");
    for format in ["text", "csv", "json", "junit"] {
        let args = ["class", "report", "--format", format];
        let mut times: Vec<Duration> = (0..RUNS).map(|_| run(&args, class)).collect();
        times.sort();
        let rss = peak_kib(&args, class)
            .map_or("n/a".to_owned(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        println!(
            "| `--format {format}` (whole process) | {} | {} | {rss} |",
            ms(times[RUNS / 2]),
            ms(times[0])
        );
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let read = report::read_class(class).unwrap();
            assert_eq!(read.records.len(), STUDENTS as usize, "{:?}", read.skipped);
            let table = report::text(&read, &lessons, class);
            assert!(table.lines().count() > STUDENTS as usize);
            started.elapsed()
        })
        .collect();
    // The first run looks every uid up in the name service; the others find the names cached.
    let first = times[0];
    times.sort();
    println!("| read + table, in process, first run | {} | | |", ms(first));
    println!(
        "| read + table, in process, names cached | {} | {} | |",
        ms(times[RUNS / 2]),
        ms(times[0])
    );
}

/// Writes one record per student, every item of every lesson given a verdict, and gives it
/// to its student.
fn generate(dir: &Path, lessons: &[socklab::lesson::Lesson]) {
    let fd = rustix::fs::open(
        dir,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let fail = Verdict::Fail { difference: String::new() };
    for n in 0..STUDENTS {
        let uid = FIRST_UID + n;
        let mut record = Record::new(uid);
        record.user = format!("student{n:03}");
        let at = "2026-12-01T10:00:00Z";
        for (index, lesson) in lessons.iter().enumerate() {
            // Students get further the higher their number: some are stuck early.
            let verdict = |item: usize| {
                if (n as usize + item + index).is_multiple_of(7) { &fail } else { &Verdict::Pass }
            };
            for (item, step) in lesson.steps.iter().enumerate() {
                record.apply(
                    &Event::Step { lesson: &lesson.id, step: &step.id, verdict: verdict(item) },
                    at,
                );
            }
            for (item, exercise) in lesson.exercises.iter().enumerate() {
                let event = Event::Exercise {
                    lesson: &lesson.id,
                    exercise: &exercise.id,
                    verdict: verdict(item),
                    hints: item,
                };
                record.apply(&event, at);
            }
            for (item, quiz) in lesson.quizzes.iter().enumerate() {
                record.apply(
                    &Event::Quiz { lesson: &lesson.id, quiz: &quiz.id, verdict: verdict(item) },
                    at,
                );
            }
        }
        write_at(&fd, &record).unwrap();
        let path = dir.join(Record::file_name(uid));
        rustix::fs::chown(&path, Some(rustix::fs::Uid::from_raw(uid)), None).unwrap();
    }
}

fn report_command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
    command.args(args).arg(dir).env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent").env("NO_COLOR", "1");
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// One whole run's wall time.
fn run(args: &[&str], dir: &Path) -> Duration {
    let started = Instant::now();
    let status = report_command(args, dir).status().unwrap();
    let elapsed = started.elapsed();
    assert!(status.success(), "the report failed: {args:?}");
    elapsed
}

/// Peak resident memory of one run, in KiB, from GNU time.
fn peak_kib(args: &[&str], dir: &Path) -> Option<u64> {
    let command = report_command(args, dir);
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(command.get_program())
        .args(command.get_args())
        .env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent")
        .stdout(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stderr).lines().last()?.trim().parse().ok()
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
