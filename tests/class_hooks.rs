//! The class hooks of the interactive commands: the tour and `practice`, driven in-process
//! through the scripted prompt interface, write each verdict into the student's record.
//!
//! A test binary of its own: joining a class is for the whole process, and the `it` binary
//! runs many tours and exercises at once, whose verdicts must not land here.

use socklab::lesson::values::Placement;
use socklab::runner::environment::Environment;
use socklab::runner::progress::Progress;
use socklab::runner::verdict::Tally;
use socklab::ui::StepChoice;
use socklab::ui::scripted::{Answer, ScriptedUi};

#[test]
fn the_tour_and_practice_write_every_verdict_into_the_record() {
    let parent = tempfile::tempdir().unwrap();
    let class = parent.path().join("class");
    std::fs::create_dir(&class).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o1733);
    std::fs::set_permissions(&class, mode).unwrap();
    socklab::class::join(&class);

    let sockets = tempfile::Builder::new().prefix("slh").tempdir_in("/tmp").unwrap();
    let offset = (20_000..24_000)
        .step_by(37)
        .find(|offset| {
            [8080u16, 9096, 9100].iter().all(|port| {
                std::net::TcpListener::bind(("127.0.0.1", port + offset)).is_ok()
                    && std::net::UdpSocket::bind(("127.0.0.1", port + offset)).is_ok()
            })
        })
        .unwrap();
    let placement = Placement {
        port_offset: offset,
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::in_memory();

    // The tour, through a lesson whose second step fails.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let lessons = socklab::lesson::load_dir(&fixture.join("wrong-expectation")).unwrap();
    let mut ui = ScriptedUi::new(vec![Answer::Step(StepChoice::Run); 4]);
    use socklab::lesson::resolve::{ConcreteLesson, ConcreteStep};
    let read_more = |_: &ConcreteLesson, _: &ConcreteStep| None;
    socklab::runner::tour::run(
        &lessons,
        Some(0),
        &env,
        &placement,
        &mut progress,
        &read_more,
        &mut ui,
    )
    .unwrap();

    // Practice: an exercise given up after one hint, then the UDP quizzes answered right.
    let shipped = socklab::lesson::shipped().unwrap();
    let mut unix = shipped.iter().find(|l| l.id == "unix").unwrap().clone();
    unix.exercises.retain(|e| e.id == "private-datagram-socket");
    unix.quizzes.clear();
    let mut udp = shipped.iter().find(|l| l.id == "udp").unwrap().clone();
    udp.exercises.clear();
    let mut tally = Tally::default();
    // The unix exercise: hint 1, then give up. The UDP quizzes: the right answers.
    for (lesson, answers) in [(&unix, [1, 2]), (&udp, [1, 1])] {
        let mut ui = ScriptedUi::new(answers.map(|n| Answer::Select(Some(n))));
        let lesson = socklab::runner::session::resolve(lesson, &env, &placement).unwrap();
        let practice = socklab::exercise::practice::run_lesson;
        practice(&lesson, &env, &mut progress, &mut ui, &mut tally);
    }

    let uid = rustix::process::geteuid().as_raw();
    let text = std::fs::read_to_string(class.join(format!("{uid}.json"))).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let steps = &record["lessons"]["backlog"]["steps"];
    let verdicts: Vec<(&str, &str)> = ["listen", "inspect", "stop", "clean"]
        .iter()
        .map(|id| (*id, steps[id]["verdict"].as_str().unwrap_or("missing")))
        .collect();
    assert_eq!(
        verdicts,
        [("listen", "pass"), ("inspect", "fail"), ("stop", "pass"), ("clean", "pass")]
    );
    let exercise = &record["lessons"]["unix"]["exercises"]["private-datagram-socket"];
    assert_eq!(
        (&exercise["passed"], &exercise["attempts"], &exercise["hints"], &exercise["verdict"]),
        (&false.into(), &1.into(), &1.into(), &"fail".into()),
        "{record}"
    );
    let quizzes = record["lessons"]["udp"]["quizzes"].as_object().unwrap();
    assert_eq!(quizzes.len(), udp.quizzes.len(), "{record}");
    assert!(quizzes.values().all(|q| q["passed"] == true && q["answers"] == 1), "{record}");
    assert_eq!(record["lessons"].as_object().unwrap().len(), 3, "nothing else: {record}");
}
