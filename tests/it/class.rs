//! The instructor's side: configuration precedence and its errors, class records (each
//! student's holds exactly their verdicts, nobody can change or erase a classmate's), the
//! report (skips what is not a record, never follows a link; CSV, JSON and JUnit well formed,
//! naming the user), and per-student grading (a classmate's socket never passes yours).
//!
//! The tests with several students need root, to act as two other uids through setpriv as
//! the CI does for 65534; they are skipped, with the reason printed, otherwise.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{
    Lab, Outcome, as_user, fixture, free_offset, free_offset_for, is_root, socklab,
};

/// Two students (uids with no account, so that nothing of theirs exists anywhere).
const ALICE: u32 = 4_100_001;
const BOB: u32 = 4_100_002;

fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn outcome(output: std::process::Output) -> Outcome {
    Outcome {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether several uids can be tested here (root with setpriv); says why not otherwise.
fn can_switch_users() -> bool {
    let ok = is_root() && which::which("setpriv").is_ok();
    if !ok {
        eprintln!("notice: not root or no setpriv; skipping the test with several students");
    }
    ok
}

/// A shell command line run as `uid`; whether it succeeded.
fn shell_as(uid: u32, line: &str) -> bool {
    let mut sh = Command::new("sh");
    sh.args(["-c", line]);
    as_user(uid, &sh).stderr(Stdio::null()).status().unwrap().success()
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A class directory made by `socklab class init` in a fresh directory others can reach.
fn new_class() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    chmod(parent.path(), 0o755);
    let dir = parent.path().join("class");
    let init = socklab().args(["class", "init"]).arg(&dir).output().unwrap();
    let init = outcome(init);
    init.assert_status(0);
    assert!(
        init.stdout.contains(&format!("export SOCKLAB_CLASS={}", dir.display())),
        "{}",
        init.stdout
    );
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o1733, "sticky, writable by all, listable by its owner only");
    (parent, dir)
}

/// A lab whose state and socket directories another uid can use.
fn shared_lab(lessons: Option<PathBuf>) -> Lab {
    let mut lab = Lab::new().moved_by(free_offset());
    if let Some(dir) = lessons {
        lab = lab.with_lessons(dir);
    }
    chmod(lab.state.path(), 0o777);
    chmod(lab.sockets.path(), 0o1777);
    lab.with_env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
}

fn record(dir: &Path, uid: u32) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(format!("{uid}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The step ids and verdicts of one lesson in a record, sorted.
fn steps(record: &serde_json::Value, lesson: &str) -> Vec<(String, String)> {
    let Some(steps) = record["lessons"][lesson]["steps"].as_object() else { return Vec::new() };
    steps.iter().map(|(id, s)| (id.clone(), s["verdict"].as_str().unwrap().to_owned())).collect()
}

/// `socklab class report` of `dir` against the wrong-expectation lesson (3 steps of 4 pass).
fn report(dir: &Path, format: &str) -> Outcome {
    let mut command = socklab();
    command.arg("--lessons").arg(fixture("wrong-expectation"));
    command.args(["class", "report", "--format", format]).arg(dir);
    command.env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml");
    outcome(command.output().unwrap())
}

#[test]
fn config_precedence_flag_env_user_file_system_file_default_both_ways() {
    let home = tempfile::tempdir().unwrap();
    let system = home.path().join("system.toml");
    let user = home.path().join("xdg/socklab/config.toml");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(
        &system,
        "# the instructor's\nclass = \"/srv/class\"\nport-offset = 100\nisolation = \"none\"\n",
    )
    .unwrap();
    std::fs::write(&user, "port-offset = 200\nlang = \"zh_CN\"\n").unwrap();
    let config = |env: &[(&str, &str)], args: &[&str]| {
        let mut command = socklab();
        command.env_remove("SOCKLAB_LANG");
        command
            .env("SOCKLAB_SYSTEM_CONFIG", &system)
            .env("XDG_CONFIG_HOME", home.path().join("xdg"));
        for (name, value) in env {
            command.env(name, value);
        }
        let out = outcome(command.args(args).output().unwrap());
        out.assert_status(0);
        out.stdout
    };
    let line = |out: &str, key: &str| {
        out.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default().to_owned()
    };
    let system_place = format!("{}:", system.display());
    let user_place = format!("{}:", user.display());
    // Each layer beats the ones below it...
    let out = config(&[], &["config"]);
    assert!(
        line(&out, "class").contains("/srv/class")
            && line(&out, "class").contains(&format!("{system_place}2:9")),
        "{out}"
    );
    assert!(
        line(&out, "port-offset").contains("200")
            && line(&out, "port-offset").contains(&format!("{user_place}1:15")),
        "{out}"
    );
    assert!(line(&out, "isolation").contains("none"), "{out}");
    assert!(line(&out, "lang").contains("zh_CN"), "{out}");
    // The user's file chose zh_CN, so `config` itself speaks Chinese here.
    assert!(line(&out, "socket-dir").contains("(默认)"), "{out}");
    let out =
        config(&[("SOCKLAB_PORT_OFFSET", "300"), ("SOCKLAB_CLASS", "/env/class")], &["config"]);
    assert!(
        line(&out, "port-offset").contains("300")
            && line(&out, "port-offset").contains("SOCKLAB_PORT_OFFSET"),
        "{out}"
    );
    assert!(line(&out, "class").contains("/env/class"), "{out}");
    let out = config(
        &[("SOCKLAB_PORT_OFFSET", "300")],
        &["--class", "/flag/class", "config", "--port-offset", "0"],
    );
    assert!(
        line(&out, "port-offset").contains(" 0 ")
            && line(&out, "port-offset").contains("--port-offset"),
        "a written 0 beats the rest: {out}"
    );
    assert!(
        line(&out, "class").contains("/flag/class") && line(&out, "class").contains("--class"),
        "{out}"
    );
    // ...and the other way: take a layer away and the one below shows through.
    std::fs::remove_file(&user).unwrap();
    let out = config(&[], &["config"]);
    assert!(
        line(&out, "port-offset").contains("100")
            && line(&out, "port-offset").contains(&format!("{system_place}3:15")),
        "{out}"
    );
    std::fs::remove_file(&system).unwrap();
    let out = config(&[], &["config"]);
    assert!(
        line(&out, "port-offset").contains(" 0 ")
            && line(&out, "port-offset").contains("(default)"),
        "{out}"
    );
    assert!(line(&out, "class").contains("(none)"), "{out}");
}

#[test]
fn the_configured_offset_moves_a_run_and_the_class_comes_from_the_environment() {
    let (_parent, class) = new_class();
    let lab = Lab::new().with_lessons(fixture("wrong-expectation"));
    let offset = free_offset();
    let config = lab.state.path().join("config/socklab/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, format!("port-offset = {offset}\n")).unwrap();
    let xdg = lab.state.path().join("config").display().to_string();
    let lab = lab
        .with_env("XDG_CONFIG_HOME", &xdg)
        .with_env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .with_env("SOCKLAB_CLASS", &class.display().to_string());
    let out = lab.run(&["run", "--yes"]);
    out.assert_status(1);
    assert!(out.stdout.contains(&format!("TCP4-LISTEN:{}", 8080 + offset)), "{}", out.stdout);
    let record = record(&class, me());
    assert_eq!(
        steps(&record, "backlog"),
        [("clean", "pass"), ("inspect", "fail"), ("listen", "pass"), ("stop", "pass")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(record["uid"], me());
    assert!(record["host"].as_str().is_some_and(|h| !h.is_empty()));
    assert_eq!(record["version"], env!("CARGO_PKG_VERSION"));
    // The lesson is not done: one step failed.
    let list = lab.run(&["list"]);
    assert!(!list.stdout.contains("(complete)"), "{}", list.stdout);
    // A class that cannot be used is said in one line; the run goes on as without one.
    let missing = lab.run(&["--class", "/nonexistent/class", "run", "--yes"]);
    missing.assert_status(1);
    assert!(missing.stderr.contains("not recorded for the class"), "{}", missing.stderr);
    assert!(missing.stdout.contains("3 passed, 1 failed"), "{}", missing.stdout);
}

#[test]
fn an_unknown_key_or_a_bad_value_is_an_error_at_its_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("config.toml");
    for (text, place, word) in [
        ("class = \"/srv/c\"\n\nports = 3\n", "3:1", "ports"),
        ("isolation = \"always\"\n", "1:13", "always"),
        ("port-offset = -1\n", "1:15", "-1"),
        ("port-offset = \"ten\"\n", "1:15", "whole number"),
        ("lang = \"../../etc\"\n", "1:8", "language tag"),
    ] {
        std::fs::write(&system, text).unwrap();
        let out = socklab().arg("list").env("SOCKLAB_SYSTEM_CONFIG", &system).output().unwrap();
        let out = outcome(out);
        out.assert_status(2);
        let expected = format!("{}:{place}: ", system.display());
        assert!(out.stderr.contains(&expected), "{text:?} -> {}", out.stderr);
        assert!(out.stderr.contains(word), "{text:?} -> {}", out.stderr);
        assert!(out.stderr.starts_with("socklab: error: "), "{}", out.stderr);
    }
    let out = socklab()
        .arg("list")
        .env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .env("SOCKLAB_ISOLATION", "maybe")
        .output()
        .unwrap();
    let out = outcome(out);
    out.assert_status(2);
    assert!(out.stderr.contains("SOCKLAB_ISOLATION: isolation must be auto"), "{}", out.stderr);
}

#[test]
fn each_students_record_holds_exactly_their_verdicts_and_nobody_can_touch_anothers() {
    if !can_switch_users() {
        return;
    }
    let (_parent, class) = new_class();
    let alice_lab = shared_lab(Some(fixture("wrong-expectation")));
    let bob_lab = shared_lab(None);
    let run = |uid: u32, lab: &Lab, args: &[&str]| {
        let mut inner = lab.command(args);
        inner.arg("--class").arg(&class);
        outcome(as_user(uid, &inner).output().unwrap())
    };
    let alice_run = run(ALICE, &alice_lab, &["run", "--yes"]);
    alice_run.assert_status(1);
    let bob_run = run(BOB, &bob_lab, &["run", "--yes", "tcp"]);
    bob_run.assert_status(0);
    for out in [&alice_run, &bob_run] {
        assert!(!out.stderr.contains("class"), "the record was written: {}", out.stderr);
    }
    let (alice, bob) = (record(&class, ALICE), record(&class, BOB));
    assert_eq!(alice["uid"], ALICE);
    assert_eq!(bob["uid"], BOB);
    assert_eq!(alice["lessons"].as_object().unwrap().keys().collect::<Vec<_>>(), ["backlog"]);
    assert_eq!(bob["lessons"].as_object().unwrap().keys().collect::<Vec<_>>(), ["tcp"]);
    assert_eq!(steps(&alice, "backlog").iter().filter(|(_, v)| v == "fail").count(), 1);
    let tcp = socklab::lesson::shipped().unwrap().into_iter().find(|l| l.id == "tcp").unwrap();
    assert_eq!(steps(&bob, "tcp").len(), tcp.steps.len());
    assert!(steps(&bob, "tcp").iter().all(|(_, v)| v == "pass"), "{bob}");
    use std::os::unix::fs::MetadataExt;
    for uid in [ALICE, BOB] {
        let meta = std::fs::metadata(class.join(format!("{uid}.json"))).unwrap();
        assert_eq!((meta.uid(), meta.mode() & 0o777), (uid, 0o644));
    }

    // Bob cannot write, replace or delete Alice's record, nor list the class.
    let theirs = class.join(format!("{ALICE}.json"));
    let before = std::fs::read(&theirs).unwrap();
    let (c, t) = (class.display(), theirs.display());
    assert!(!shell_as(BOB, &format!("echo '{{}}' > {t}")), "written over");
    assert!(!shell_as(BOB, &format!("rm -f {t}")), "deleted");
    assert!(!shell_as(BOB, &format!("echo x > {c}/mine && mv -f {c}/mine {t}")), "replaced");
    assert!(!shell_as(BOB, &format!("ls {c}")), "listed");
    assert_eq!(std::fs::read(&theirs).unwrap(), before);
    // A copy of Alice's record in Bob's name: the report skips it rather than count it.
    std::fs::remove_file(class.join(format!("{BOB}.json"))).unwrap();
    assert!(shell_as(BOB, &format!("cat {t} > {c}/{BOB}.json")));
    let text = report(&class, "text");
    text.assert_status(0);
    assert!(
        text.stdout.contains(&format!("skipped {BOB}.json: says it is uid {ALICE}'s")),
        "{}",
        text.stdout
    );
    assert_eq!(text.stdout.matches(&format!(" {ALICE} ")).count(), 1, "{}", text.stdout);
}

#[test]
fn a_classmates_socket_does_not_pass_your_exercise_and_root_grades_a_named_student() {
    if !can_switch_users() {
        return;
    }
    let lessons = socklab::lesson::shipped().unwrap();
    let ports: Vec<u16> = lessons.iter().flat_map(|l| &l.values.ports).map(|p| p.port).collect();
    let highest = ports.iter().copied().max().unwrap_or(0);
    let offset = free_offset_for(&ports, 10_000..(32_000 - highest));
    let (_parent, class) = new_class();
    let class_dir = class.display().to_string();
    let alice_lab = shared_lab(None).moved_by(offset).with_env("SOCKLAB_CLASS", &class_dir);
    let bob_lab = shared_lab(None).moved_by(offset).with_env("SOCKLAB_CLASS", &class_dir);
    let port = 9091 + offset;
    // Alice does the loopback-listener exercise of the TCP lesson.
    let mut listen = socklab();
    listen.args(["listen", &format!("TCP4-LISTEN:{port},bind=127.0.0.1,fork")]);
    let mut listener =
        as_user(ALICE, &listen).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let verdict_of = |out: &Outcome| -> serde_json::Value {
        out.stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|r| r["exercise"] == "loopback-listener")
            .unwrap_or_else(|| panic!("no verdict:\n{}\n{}", out.stdout, out.stderr))
    };
    let check = |uid: u32, lab: &Lab, extra: &[&str]| {
        let mut args = vec!["check", "tcp", "--format", "json", "--wait", "2"];
        args.extend(extra);
        outcome(as_user(uid, &lab.command(&args)).output().unwrap())
    };
    let alice = check(ALICE, &alice_lab, &[]);
    let bob = check(BOB, &bob_lab, &[]);
    let as_root = |user: u32| {
        let user = user.to_string();
        let args = ["check", "tcp", "--format", "json", "--wait", "2", "--user", &user];
        outcome(bob_lab.command(&args).output().unwrap())
    };
    let root = as_root(ALICE);
    let root_as_bob = as_root(BOB);
    let bob_for_alice = check(BOB, &bob_lab, &["--user", &ALICE.to_string()]);
    let _ = listener.kill();
    let _ = listener.wait();
    let (a, b) = (verdict_of(&alice), verdict_of(&bob));
    assert_eq!(a["verdict"], "pass", "{a}");
    assert_eq!(
        (a["uid"].as_u64(), a["user"].as_str()),
        (Some(u64::from(ALICE)), Some(ALICE.to_string().as_str()))
    );
    assert_eq!(b["verdict"], "fail", "{b}");
    assert!(b.to_string().contains("not yours"), "{b}");
    assert_eq!(b["uid"], BOB);
    assert_eq!(verdict_of(&root)["verdict"], "pass", "root grades Alice: {}", root.stderr);
    assert_eq!(verdict_of(&root)["uid"], ALICE);
    assert!(root.stderr.contains("Grading"), "{}", root.stderr);
    assert_eq!(verdict_of(&root_as_bob)["verdict"], "fail");
    bob_for_alice.assert_status(2);
    // The records: Alice passed at her first attempt; Bob's attempt on her socket failed;
    // exercises nobody started are no attempt; root's grading of Alice wrote nothing.
    let exercises = |uid: u32| record(&class, uid)["lessons"]["tcp"]["exercises"].clone();
    let (alice, bob) = (exercises(ALICE), exercises(BOB));
    let mine = &alice["loopback-listener"];
    assert_eq!((&mine["passed"], &mine["attempts"]), (&true.into(), &1.into()), "{alice}");
    let theirs = &bob["loopback-listener"];
    assert_eq!((&theirs["passed"], &theirs["verdict"]), (&false.into(), &"fail".into()), "{bob}");
    assert_eq!(alice.as_object().unwrap().len(), 1, "{alice}");
    assert!(!class.join("0.json").exists(), "root graded, and recorded nothing");
    assert!(
        bob_for_alice.stderr.contains("only root can grade another user"),
        "{}",
        bob_for_alice.stderr
    );
}

#[test]
fn the_report_skips_what_is_not_a_record_and_never_follows_a_link() {
    let (_parent, class) = new_class();
    let lab = Lab::new()
        .with_lessons(fixture("wrong-expectation"))
        .moved_by(free_offset())
        .with_env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml");
    lab.run(&["--class", &class.display().to_string(), "run", "--yes"]).assert_status(1);
    let uid = me();
    let secret = _parent.path().join("secret.json");
    std::fs::write(&secret, "{\"format\":1}").unwrap();
    std::os::unix::fs::symlink(&secret, class.join(format!("{}.json", uid + 1))).unwrap();
    std::fs::write(class.join("notes.txt"), "hello").unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        class.join(format!("{}.json", uid + 2)),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    std::fs::write(class.join(".123.4.5.0.tmp"), "being written").unwrap();
    let out = report(&class, "text");
    out.assert_status(0);
    let skipped: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("skipped ")).collect();
    assert_eq!(skipped.len(), 3, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("skipped {}.json: a symbolic link: not followed", uid + 1)),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("skipped {}.json: not a regular file", uid + 2)),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("skipped notes.txt: not a student's record"), "{}", out.stdout);
    assert!(out.stdout.contains("   3/4 "), "backlog 3 of 4: {}", out.stdout);
    assert!(out.stdout.contains("1 student"), "{}", out.stdout);

    // A broken record and an oversized one, each in its student's name: skipped, not fatal.
    for (content, reason) in [
        ("{\"format\": 1, \"user\": ".to_owned(), "not a record"),
        (format!("{{\"pad\": \"{}\"}}", "x".repeat(300 * 1024)), "bigger than"),
    ] {
        std::fs::write(class.join(format!("{uid}.json")), content).unwrap();
        let out = report(&class, "json");
        out.assert_status(0);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(json["students"].as_array().unwrap().len(), 0, "{json}");
        let mine = json["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["file"] == format!("{uid}.json"))
            .cloned();
        assert!(mine.is_some_and(|s| s["reason"].as_str().unwrap().contains(reason)), "{json}");
    }
}

#[test]
fn csv_json_and_junit_are_well_formed_and_name_the_user() {
    let (_parent, class) = new_class();
    let lab = Lab::new()
        .with_lessons(fixture("wrong-expectation"))
        .moved_by(free_offset())
        .with_env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .with_env("SOCKLAB_CLASS", &class.display().to_string());
    lab.run(&["run", "--yes"]).assert_status(1);
    let user = socklab::net::stat::accounts::user_name(me())
        .map_or_else(|| me().to_string(), str::to_owned);
    let lessons =
        ["--lessons", &fixture("wrong-expectation").display().to_string()].map(str::to_owned);

    let mut csv_command = socklab();
    csv_command.args(&lessons).args(["class", "report", "--format", "csv"]).arg(&class);
    let csv_out = outcome(csv_command.output().unwrap());
    csv_out.assert_status(0);
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "user",
            "uid",
            "host",
            "last_activity",
            "backlog_passed",
            "backlog_total",
            "exercises_passed",
            "exercises_total",
            "quizzes_passed",
            "quizzes_total",
            "hints_used",
            "stuck_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][11], "backlog/inspect");
    assert_eq!(
        (&rows[0][0], &rows[0][1], &rows[0][4], &rows[0][5]),
        (user.as_str(), me().to_string().as_str(), "3", "4")
    );

    let mut json_command = socklab();
    json_command.args(&lessons).args(["class", "report", "--format", "json"]).arg(&class);
    let json_out = outcome(json_command.output().unwrap());
    let json: serde_json::Value = serde_json::from_str(&json_out.stdout).unwrap();
    let student = &json["students"][0];
    assert_eq!(
        (student["user"].as_str(), student["uid"].as_u64()),
        (Some(user.as_str()), Some(u64::from(me())))
    );
    assert_eq!(student["steps"]["backlog"], serde_json::json!({"passed": 3, "total": 4}));
    assert_eq!(student["stuck_at"], "backlog/inspect", "the failed step: {student}");
    assert_eq!(json["totals"]["students"], 1);

    let mut junit_command = socklab();
    junit_command.args(&lessons).args(["class", "report", "--format", "junit"]).arg(&class);
    let junit_out = outcome(junit_command.output().unwrap());
    let document = roxmltree::Document::parse(&junit_out.stdout).unwrap();
    let suite = document.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some(user.as_str()));
    assert_eq!((suite.attribute("tests"), suite.attribute("failures")), (Some("4"), Some("1")));
    let property = |name: &str| {
        suite
            .descendants()
            .find(|n| n.attribute("name") == Some(name))
            .and_then(|n| n.attribute("value"))
    };
    assert_eq!(property("user"), Some(user.as_str()));
    assert_eq!(property("uid"), Some(me().to_string().as_str()));
}

#[test]
fn check_names_the_user_and_host_in_json_and_junit() {
    let lab = Lab::new()
        .moved_by(free_offset())
        .with_env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml");
    let user = socklab::net::stat::accounts::user_name(me())
        .map_or_else(|| me().to_string(), str::to_owned);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    let json = lab.run(&["check", "tcp", "--format", "json", "--wait", "0"]);
    for line in json.stdout.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            (record["user"].as_str(), record["host"].as_str()),
            (Some(user.as_str()), Some(host.as_str())),
            "{record}"
        );
        assert_eq!(record["uid"], me());
    }
    let junit = lab.run(&["check", "tcp", "--format", "junit", "--wait", "0"]);
    let document = roxmltree::Document::parse(&junit.stdout).unwrap();
    let suite = document.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("hostname"), Some(host.as_str()));
    let user_property = suite.descendants().find(|n| n.attribute("name") == Some("user")).unwrap();
    assert_eq!(user_property.attribute("value"), Some(user.as_str()));
}

#[test]
fn a_user_name_that_looks_like_a_formula_is_defused_in_csv() {
    if !can_switch_users() {
        return;
    }
    let (_parent, class) = new_class();
    // A student with no account name writes what they like as their name.
    let record = serde_json::json!({
        "format": 1, "user": "=HYPERLINK(\"http://x\",\"y\")", "uid": ALICE, "host": "-h",
        "version": "0", "updated": "2026-01-01T00:00:00Z", "lessons": {}
    });
    let path = class.join(format!("{ALICE}.json"));
    std::fs::write(&path, record.to_string()).unwrap();
    rustix::fs::chown(&path, Some(rustix::fs::Uid::from_raw(ALICE)), None).unwrap();
    let out = report(&class, "csv");
    out.assert_status(0);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&row[2], "'-h");
}

#[test]
fn watch_needs_a_terminal_and_a_report_needs_a_class() {
    let (_parent, class) = new_class();
    let out = socklab()
        .args(["class", "report", "--watch"])
        .arg(&class)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    outcome(out).assert_status(2);
    let out = socklab()
        .args(["class", "report"])
        .env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .env_remove("SOCKLAB_CLASS")
        .env("HOME", "/nonexistent")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let out = outcome(out);
    out.assert_status(2);
    assert!(out.stderr.contains("no class directory"), "{}", out.stderr);
    // A directory that is not there: the system's words, as ls would say them, without
    // Rust's "(os error 2)".
    let gone = class.join("gone");
    let out = outcome(socklab().args(["class", "report"]).arg(&gone).output().unwrap());
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("No such file or directory"), "{}", out.stderr);
    assert!(!out.stderr.contains("os error"), "{}", out.stderr);
}

#[test]
fn watch_redraws_the_report_in_a_terminal_until_interrupted() {
    if which::which("script").is_err() {
        eprintln!("notice: script(1) is not installed; skipping the terminal test of --watch");
        return;
    }
    let (_parent, class) = new_class();
    let line =
        format!("{} class report --watch {}", env!("CARGO_BIN_EXE_socklab"), class.display());
    let terminal = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Two redraws come 2 seconds apart.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let pid = rustix::process::Pid::from_child(&terminal);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let output = terminal.wait_with_output().unwrap();
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(screen.matches("\u{1b}[2J").count() >= 2, "{screen:?}");
    assert!(screen.matches("(no student record yet)").count() >= 2, "{screen:?}");
}

#[test]
fn only_the_students_own_socket_counts_and_an_unknown_user_is_refused() {
    use socklab::exercise::check::{self, CheckResult};
    use socklab::lesson::values::Placement;
    use socklab::runner::environment::Environment;
    let lessons = socklab::lesson::shipped().unwrap();
    let tcp = lessons.iter().find(|l| l.id == "tcp").unwrap();
    let offset = free_offset_for(&[9091], 10_000..23_000);
    let placement = Placement { port_offset: offset, ..Placement::default() };
    let env = Environment::detect();
    let tcp = socklab::runner::session::resolve(tcp, &env, &placement).unwrap();
    let exercise = tcp.exercise("loopback-listener").unwrap();
    // This process's listener is the right one, for this user only.
    let _listener = std::net::TcpListener::bind(("127.0.0.1", 9091 + offset)).unwrap();
    let mine = check::check_for(exercise, &env, me());
    assert!(mine.passed(), "{mine:?}");
    let someone_else = me().wrapping_add(1);
    match check::check_for(exercise, &env, someone_else) {
        CheckResult::Fail { found: Some(_), differences, .. } => {
            assert!(differences.iter().any(|d| d.contains("not yours")), "{differences:?}");
        }
        other => panic!("another user's socket must not pass: {other:?}"),
    }
    let out = socklab()
        .args(["check", "tcp", "--wait", "0", "--user", "no-such-user-of-socklab"])
        .env("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")
        .output()
        .unwrap();
    let out = outcome(out);
    out.assert_status(2);
    assert!(out.stderr.contains("no user no-such-user-of-socklab"), "{}", out.stderr);
}
