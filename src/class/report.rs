//! `socklab class report [DIR]`: the class at a glance, for the projector or a spreadsheet.
//!
//! Every entry of the class directory is looked at without following links: a record named
//! `UID.json`, owned by that uid and saying that uid, no bigger than a few hundred KB, is a
//! student's; anything else (a copy of a classmate's record, a link, a FIFO, a broken or
//! oversized file) is listed under the table with the reason, and never stops the report.
//!
//! One row per student: steps passed of total per lesson (a step skipped for a reason of the
//! host's counts in neither), exercises, quizzes, hints used, last activity. The rows are
//! sorted so the stuck ones come first: the least done, then the longest quiet. `--watch`
//! redraws it every 2 seconds; `--format csv|json|junit` exports it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use rustix::fs::{Mode, OFlags};
use serde::Serialize;

use super::record::{self, LessonRecord, Record, Unusable};
use crate::error::Failure;
use crate::lesson::Lesson;
use crate::t;

/// How `socklab class report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Text,
    /// A header row and one row per student, safe to open in a spreadsheet.
    Csv,
    /// One JSON document: the students, the totals and the entries skipped.
    Json,
    /// JUnit XML: a test suite per student, a test case per step and exercise.
    Junit,
}

/// `socklab class report` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The class directory (the configured class when none is given).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Redraw the report every 2 seconds in the terminal, until Ctrl+C.
    #[arg(long, conflicts_with = "format")]
    pub watch: bool,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// A file in the class directory that is not a usable record, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// What the class directory holds: the records, and what was skipped.
#[derive(Debug, Clone, Default)]
pub struct Class {
    pub records: Vec<Record>,
    pub skipped: Vec<Skipped>,
}

/// Reads every entry of the class directory `dir` (see the module's text for the rules).
pub fn read_class(dir: &Path) -> Result<Class, Failure> {
    let unreadable = |err: std::io::Error| {
        Failure::new(t!("class.report_unreadable", dir = dir.display(), error = err))
    };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(|e| unreadable(e.into()))?;
    let entries = rustix::fs::Dir::read_from(&fd).map_err(|e| unreadable(e.into()))?;
    let mut class = Class::default();
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(e.into()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "." || name == ".." {
            continue;
        }
        // A record being written (`.UID.PID.N.tmp`): not a record yet, and not a problem.
        if name.starts_with('.') && name.ends_with(".tmp") {
            continue;
        }
        let uid = name
            .strip_suffix(".json")
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u32>().ok());
        let Some(uid) = uid else {
            class.skipped.push(Skipped { file: name, reason: t!("class.problem_not_record") });
            continue;
        };
        match record::read_at(&fd, &name, uid) {
            Ok(record) => class.records.push(record),
            Err(Unusable::Missing) => {}
            Err(Unusable::Bad(reason)) => class.skipped.push(Skipped { file: name, reason }),
        }
    }
    class.skipped.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(class)
}

/// One student's counts against the lessons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub user: String,
    pub uid: u32,
    pub host: String,
    pub version: String,
    pub last_activity: String,
    /// The step or exercise the student failed last and has not passed since
    /// (`lesson/id`): where they are stuck.
    pub stuck_at: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    /// Step verdicts per lesson and step (for JUnit), in the lessons' order.
    #[serde(skip)]
    cases: Vec<Case>,
}

/// What a student (or the whole class) got done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Steps passed and counted, per lesson, in the lessons' order.
    pub lessons: Vec<LessonCount>,
    pub exercises_passed: usize,
    pub exercises_total: usize,
    pub quizzes_passed: usize,
    pub quizzes_total: usize,
    pub hints_used: u64,
}

impl Counts {
    /// Adds `other`'s counts to these.
    fn add(&mut self, other: &Self) {
        for (sum, count) in self.lessons.iter_mut().zip(&other.lessons) {
            sum.passed += count.passed;
            sum.total += count.total;
        }
        self.exercises_passed += other.exercises_passed;
        self.exercises_total += other.exercises_total;
        self.quizzes_passed += other.quizzes_passed;
        self.quizzes_total += other.quizzes_total;
        self.hints_used += other.hints_used;
    }
}

/// Steps passed of those that count, in one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LessonCount {
    #[serde(skip)]
    index: usize,
    pub passed: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Case {
    lesson: String,
    name: String,
    /// The last verdict, or none when never tried.
    verdict: Option<String>,
    /// When that verdict came.
    at: Option<String>,
}

impl Row {
    /// `record`'s counts against `lessons`. The user is named by the system's name service
    /// when it knows the uid (a record's own name is the student's to write).
    pub fn of(record: &Record, lessons: &[Lesson]) -> Self {
        let user = crate::net::stat::accounts::user_name(record.uid)
            .map_or_else(|| record.user.clone(), str::to_owned);
        let mut row = Self {
            user,
            uid: record.uid,
            host: record.host.clone(),
            version: record.version.clone(),
            last_activity: record.updated.clone(),
            stuck_at: None,
            counts: Counts::default(),
            cases: Vec::new(),
        };
        let none = LessonRecord::default();
        for (index, lesson) in lessons.iter().enumerate() {
            let done = record.lessons.get(&lesson.id).unwrap_or(&none);
            let mut count = LessonCount { index, passed: 0, total: 0 };
            for step in &lesson.steps {
                let got = done.steps.get(&step.id);
                let verdict = got.map(|s| s.verdict.clone());
                match verdict.as_deref() {
                    Some("skipped") => {}
                    Some("pass") => {
                        (count.passed, count.total) = (count.passed + 1, count.total + 1)
                    }
                    _ => count.total += 1,
                }
                let (lesson, name, at) =
                    (lesson.id.clone(), step.id.clone(), got.map(|s| s.at.clone()));
                row.cases.push(Case { lesson, name, verdict, at });
            }
            row.counts.lessons.push(count);
            for exercise in &lesson.exercises {
                let got = done.exercises.get(&exercise.id);
                let verdict =
                    got.map(|e| if e.passed { "pass".to_owned() } else { e.verdict.clone() });
                if verdict.as_deref() != Some("skipped") {
                    row.counts.exercises_total += 1;
                    row.counts.exercises_passed += usize::from(got.is_some_and(|e| e.passed));
                }
                row.counts.hints_used += u64::from(got.map_or(0, |e| e.hints));
                row.cases.push(Case {
                    lesson: lesson.id.clone(),
                    name: exercise.id.clone(),
                    verdict,
                    at: got.map(|e| e.at.clone()),
                });
            }
            for quiz in &lesson.quizzes {
                row.counts.quizzes_total += 1;
                row.counts.quizzes_passed +=
                    usize::from(done.quizzes.get(&quiz.id).is_some_and(|q| q.passed));
            }
        }
        row.stuck_at = row
            .cases
            .iter()
            .filter(|case| matches!(case.verdict.as_deref(), Some("fail" | "error")))
            .max_by(|a, b| a.at.cmp(&b.at))
            .map(|case| format!("{}/{}", case.lesson, case.name));
        row
    }

    fn done(&self) -> (usize, usize) {
        let steps = self.counts.lessons.iter().map(|c| (c.passed, c.total));
        let (passed, total) = steps.fold((0, 0), |(p, t), (a, b)| (p + a, t + b));
        (
            passed + self.counts.exercises_passed + self.counts.quizzes_passed,
            total + self.counts.exercises_total + self.counts.quizzes_total,
        )
    }

    /// The share of everything done, in thousandths (for sorting without floats).
    fn share(&self) -> u64 {
        let (done, total) = self.done();
        if total == 0 { 1000 } else { (done as u64 * 1000) / total as u64 }
    }
}

/// The rows of `class` against `lessons`, stuck first (failing at something now), then the
/// least done, then the longest quiet.
pub fn rows(class: &Class, lessons: &[Lesson]) -> Vec<Row> {
    let mut rows: Vec<Row> = class.records.iter().map(|r| Row::of(r, lessons)).collect();
    let key = |row: &Row| (row.stuck_at.is_none(), row.share(), row.last_activity.clone());
    rows.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| (&a.user, a.uid).cmp(&(&b.user, b.uid))));
    rows
}

/// The sums over every row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub students: usize,
    #[serde(flatten)]
    pub counts: Counts,
}

pub fn totals(rows: &[Row], lessons: &[Lesson]) -> Totals {
    let lessons = (0..lessons.len()).map(|index| LessonCount { index, passed: 0, total: 0 });
    let mut counts = Counts { lessons: lessons.collect(), ..Counts::default() };
    for row in rows {
        counts.add(&row.counts);
    }
    Totals { students: rows.len(), counts }
}

/// How long ago `at` was, in a few characters (`12s`, `5m`, `3h`, `2d`).
fn ago(at: &str, now: jiff::Timestamp) -> String {
    let Ok(at) = at.parse::<jiff::Timestamp>() else { return "?".to_owned() };
    let seconds = (now.as_second() - at.as_second()).max(0);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

/// The table for people: a header, a row per student, the totals, then what was skipped.
pub fn text(class: &Class, lessons: &[Lesson], dir: &Path) -> String {
    let rows = rows(class, lessons);
    let totals = totals(&rows, lessons);
    let now = jiff::Timestamp::now();
    let clean = |s: &str| crate::terminal_text::clean(s).into_owned();
    let mut header = vec![t!("class.col_user"), t!("class.col_uid"), t!("class.col_host")];
    header.extend(lessons.iter().map(|l| clean(&l.id)));
    header.extend([
        t!("class.col_exercises"),
        t!("class.col_quizzes"),
        t!("class.col_hints"),
        t!("class.col_last"),
        t!("class.col_stuck"),
    ]);
    let fraction = |p: usize, t: usize| format!("{p}/{t}");
    let mut table: Vec<Vec<String>> = vec![header];
    for row in &rows {
        let mut cells = vec![clean(&row.user), row.uid.to_string(), clean(&row.host)];
        cells.extend(row.counts.lessons.iter().map(|c| fraction(c.passed, c.total)));
        cells.extend([
            fraction(row.counts.exercises_passed, row.counts.exercises_total),
            fraction(row.counts.quizzes_passed, row.counts.quizzes_total),
            row.counts.hints_used.to_string(),
            ago(&row.last_activity, now),
            row.stuck_at.as_deref().map_or_else(String::new, clean),
        ]);
        table.push(cells);
    }
    let mut sum =
        vec![t!("class.total_students", count = totals.students), String::new(), String::new()];
    sum.extend(totals.counts.lessons.iter().map(|c| fraction(c.passed, c.total)));
    sum.extend([
        fraction(totals.counts.exercises_passed, totals.counts.exercises_total),
        fraction(totals.counts.quizzes_passed, totals.counts.quizzes_total),
        totals.counts.hints_used.to_string(),
        String::new(),
        String::new(),
    ]);
    table.push(sum);
    let columns = table[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| table.iter().map(|r| console::measure_text_width(&r[c])).max().unwrap_or(0))
        .collect();
    let mut out = t!("class.report_heading", dir = clean(&dir.display().to_string()));
    out.push('\n');
    let last = table.len() - 1;
    for (index, cells) in table.iter().enumerate() {
        if index == last {
            let rule: usize = widths.iter().sum::<usize>() + 2 * (columns - 1);
            let _ = writeln!(out, "{}", "-".repeat(rule));
        }
        let line: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, width))| {
                let pad = width.saturating_sub(console::measure_text_width(cell));
                // Names left-aligned, numbers right-aligned.
                if c == 0 || c == 2 || c == columns - 1 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    if rows.is_empty() {
        let _ = writeln!(out, "{}", t!("class.report_empty"));
    }
    for skipped in &class.skipped {
        let _ = writeln!(
            out,
            "{}",
            t!(
                "class.report_skipped",
                file = clean(&skipped.file),
                reason = clean(&skipped.reason)
            )
        );
    }
    out
}

/// A CSV cell a spreadsheet shows as text: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (a formula to a spreadsheet) gets a leading `'`.
pub fn safe_cell(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The CSV export: a header row and one row per student (quoted where needed by the csv crate).
pub fn csv(class: &Class, lessons: &[Lesson]) -> Result<String, Failure> {
    let rows = rows(class, lessons);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> =
        ["user", "uid", "host", "last_activity"].map(str::to_owned).to_vec();
    for lesson in lessons {
        header.push(format!("{}_passed", lesson.id));
        header.push(format!("{}_total", lesson.id));
    }
    header.extend(
        [
            "exercises_passed",
            "exercises_total",
            "quizzes_passed",
            "quizzes_total",
            "hints_used",
            "stuck_at",
        ]
        .map(str::to_owned),
    );
    let failed = |err: csv::Error| Failure::new(err.to_string());
    writer.write_record(header.iter().map(|h| safe_cell(h))).map_err(failed)?;
    for row in &rows {
        let mut cells = vec![
            row.user.clone(),
            row.uid.to_string(),
            row.host.clone(),
            row.last_activity.clone(),
        ];
        for count in &row.counts.lessons {
            cells.push(count.passed.to_string());
            cells.push(count.total.to_string());
        }
        cells.extend([
            row.counts.exercises_passed.to_string(),
            row.counts.exercises_total.to_string(),
            row.counts.quizzes_passed.to_string(),
            row.counts.quizzes_total.to_string(),
            row.counts.hints_used.to_string(),
            row.stuck_at.clone().unwrap_or_default(),
        ]);
        writer.write_record(cells.iter().map(|c| safe_cell(c))).map_err(failed)?;
    }
    let bytes = writer.into_inner().map_err(|e| Failure::new(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Serialize)]
struct JsonLesson<'a> {
    id: &'a str,
    steps: usize,
}

#[derive(Serialize)]
struct JsonStudent<'a> {
    #[serde(flatten)]
    row: &'a Row,
    /// Steps per lesson by id.
    steps: std::collections::BTreeMap<&'a str, LessonCount>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    class: String,
    generated: String,
    lessons: Vec<JsonLesson<'a>>,
    students: Vec<JsonStudent<'a>>,
    totals: Totals,
    skipped: &'a [Skipped],
}

/// The JSON export: one document.
pub fn json(class: &Class, lessons: &[Lesson], dir: &Path) -> String {
    let rows = rows(class, lessons);
    let totals = totals(&rows, lessons);
    let students = rows
        .iter()
        .map(|row| JsonStudent {
            row,
            steps: row.counts.lessons.iter().map(|c| (lessons[c.index].id.as_str(), *c)).collect(),
        })
        .collect();
    let report = JsonReport {
        class: dir.display().to_string(),
        generated: record::now(),
        lessons: lessons.iter().map(|l| JsonLesson { id: &l.id, steps: l.steps.len() }).collect(),
        students,
        totals,
        skipped: &class.skipped,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// The JUnit export: a `<testsuite>` per student (named by user, with the host), a
/// `<testcase>` per step and exercise: passed, `<failure>` (failed or not done yet), or
/// `<skipped>` (skipped for a reason of the host's).
pub fn junit(class: &Class, lessons: &[Lesson]) -> String {
    use crate::exercise::junit::escape;
    let rows = rows(class, lessons);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let outcome = |case: &Case| match case.verdict.as_deref() {
        Some("pass") => 0,
        Some("skipped") => 2,
        _ => 1,
    };
    let count = |row: &Row, kind| row.cases.iter().filter(|c| outcome(c) == kind).count();
    let (tests, failures, skipped) = rows.iter().fold((0, 0, 0), |(t, f, s), row| {
        (t + row.cases.len(), f + count(row, 1), s + count(row, 2))
    });
    let _ = writeln!(
        out,
        "<testsuites name=\"socklab class\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    for row in &rows {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" hostname=\"{}\" timestamp=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            escape(&row.user),
            escape(&row.host),
            escape(&row.last_activity),
            row.cases.len(),
            count(row, 1),
            count(row, 2)
        );
        out.push_str("    <properties>\n");
        for (name, value) in [
            ("user", row.user.clone()),
            ("uid", row.uid.to_string()),
            ("host", row.host.clone()),
            ("version", row.version.clone()),
        ] {
            let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", escape(&value));
        }
        out.push_str("    </properties>\n");
        for case in &row.cases {
            let open = format!(
                "    <testcase classname=\"socklab.{}.{}\" name=\"{}\"",
                escape(&row.user),
                escape(&case.lesson),
                escape(&case.name)
            );
            let _ = match (outcome(case), case.verdict.as_deref()) {
                (0, _) => writeln!(out, "{open}/>"),
                (2, _) => writeln!(out, "{open}>\n      <skipped/>\n    </testcase>"),
                (_, Some(verdict)) => writeln!(
                    out,
                    "{open}>\n      <failure message=\"{}\" type=\"{}\"/>\n    </testcase>",
                    escape(&t!("class.junit_last", verdict = verdict)),
                    escape(verdict)
                ),
                (_, None) => writeln!(
                    out,
                    "{open}>\n      <failure message=\"{}\" type=\"not-done\"/>\n    </testcase>",
                    escape(&t!("class.junit_not_done"))
                ),
            };
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `socklab class report`.
pub fn main(
    args: &ReportArgs,
    dir: Option<&Path>,
    lessons: &[Lesson],
) -> Result<ExitCode, Failure> {
    let Some(dir) = args.dir.as_deref().or(dir) else {
        return Err(
            Failure::usage(t!("class.report_no_class")).hint(t!("class.report_no_class_hint"))
        );
    };
    if args.watch {
        return watch(dir, lessons);
    }
    let class = read_class(dir)?;
    let output = match args.format {
        ReportFormat::Text => text(&class, lessons, dir),
        ReportFormat::Csv => csv(&class, lessons)?,
        ReportFormat::Json => json(&class, lessons, dir),
        ReportFormat::Junit => junit(&class, lessons),
    };
    crate::terminal_text::say_raw(&output);
    if args.format != ReportFormat::Text && args.format != ReportFormat::Json {
        for skipped in &class.skipped {
            let line = t!("class.report_skipped", file = skipped.file, reason = skipped.reason);
            crate::terminal_text::warn(line);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--watch`: clears the terminal and redraws every 2 seconds, until Ctrl+C (or SIGTERM),
/// after which the terminal is left with the last report and a fresh line.
fn watch(dir: &Path, lessons: &[Lesson]) -> Result<ExitCode, Failure> {
    use std::io::IsTerminal;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    if !std::io::stdout().is_terminal() {
        return Err(Failure::usage(t!("class.watch_needs_terminal")));
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| Failure::new(e.to_string()))?;
    }
    let term = console::Term::stdout();
    while !stop.load(Ordering::Relaxed) {
        let class = read_class(dir)?;
        let drawn = text(&class, lessons, dir);
        let _ = term.clear_screen();
        crate::terminal_text::say_raw(&drawn);
        crate::terminal_text::say(t!("class.watch_footer", seconds = 2));
        for _ in 0..20 {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_formulas_are_defused() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(safe_cell("alice"), "alice");
    }

    #[test]
    fn the_stuck_come_first_then_the_least_done() {
        use crate::class::record::Event;
        use crate::runner::verdict::Verdict;
        let lessons = crate::lesson::shipped().unwrap();
        let tcp = lessons.iter().find(|l| l.id == "tcp").unwrap();
        let record = |uid: u32, verdict: &Verdict, steps: usize| {
            let mut record = Record::new(uid);
            for step in tcp.steps.iter().take(steps) {
                let event = Event::Step { lesson: &tcp.id, step: &step.id, verdict };
                record.apply(&event, "2026-01-01T00:00:00Z");
            }
            record
        };
        let fail = Verdict::Fail { difference: String::new() };
        let class = Class {
            records: vec![
                record(4_000_001, &Verdict::Pass, 10),
                record(4_000_002, &fail, 1),
                record(4_000_003, &Verdict::Pass, 1),
            ],
            skipped: Vec::new(),
        };
        let order: Vec<u32> = rows(&class, &lessons).iter().map(|r| r.uid).collect();
        assert_eq!(order, [4_000_002, 4_000_003, 4_000_001]);
        let stuck = rows(&class, &lessons)[0].stuck_at.clone();
        assert_eq!(stuck, Some(format!("tcp/{}", tcp.steps[0].id)));
    }

    #[test]
    fn ages_are_short() {
        let now: jiff::Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        assert_eq!(ago("2026-01-01T11:59:30Z", now), "30s");
        assert_eq!(ago("2026-01-01T10:00:00Z", now), "2h");
        assert_eq!(ago("garbage", now), "?");
    }
}
