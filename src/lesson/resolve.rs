//! Resolving a lesson: from the template a lesson file is to the concrete lesson one run uses.
//!
//! A loaded [`Lesson`] is in its run's language already (the translation pass runs right
//! after loading, see [`translation`](super::translation)) but still a template: its texts,
//! commands and expected outputs name values (`{tcp}`, `{stream}`). [`resolve`] places the
//! values as the run says ([`Placement`]: `--port-offset`, `--socket-dir`, the lab's placement,
//! the privileged-port move) and fills them in everywhere, once, into a [`ConcreteLesson`]:
//! what the runner, the tour, the exercises, `check`, the book and the class report use, so
//! no code after this one ever sees a `{placeholder}`. [`as_written`] does the same with the
//! tutorial's own values, for the book and `socklab explain`. Where a run changes its values
//! (the tour moving every port after a taken one), it resolves the lesson again.
//!
//! Commands keep two forms ([`Command`]): the line the student sees, a value quoted where a
//! shell needs it so that it can be copied, and the words socklab runs, split before the
//! values are filled in so that a socket path with a space stays one word.
//!
//! The concrete lesson has the template's shape: the same types ([`Lesson`], [`Step`],
//! [`Exercise`], [`Quiz`]) with [`Command`] for a command line and [`Resolved`] values, so
//! that a field added to a lesson is one field, and the type system still tells a template
//! from a concrete lesson.

use super::command::Command;
use super::exercise::{Exercise, Facts, Mistake, PortRef, Probe, Quiz, QuizKind};
use super::values::{Placement, Resolved};
use super::{Action, Lesson, Step};

/// A lesson as one run uses it: every text, command and expected output with its values in,
/// and the values as this run placed them.
pub type ConcreteLesson = Lesson<Command, Resolved>;

/// One step, resolved (its expected output keeps its `{?…}` patterns: they are matched, not
/// placed).
pub type ConcreteStep = Step<Command>;

/// What a resolved step does.
pub type ConcreteAction = Action<Command>;

/// An exercise, resolved: its port is a number, its path a path.
pub type ConcreteExercise = Exercise<Command>;

/// A quiz, resolved.
pub type ConcreteQuiz = Quiz<Command>;

/// How a resolved quiz is graded (see [`QuizKind`]).
pub type ConcreteQuizKind = QuizKind<Command>;

/// Resolves `lesson` for a run placed as `placement` says; a port pushed past 65535 by the
/// offset is an error.
pub fn resolve(lesson: &Lesson, placement: &Placement) -> Result<ConcreteLesson, String> {
    Ok(fill(lesson, lesson.values.place(placement)?))
}

/// Resolves `lesson` with the tutorial's own values (as the book shows them).
pub fn as_written(lesson: &Lesson) -> ConcreteLesson {
    fill(lesson, lesson.values.as_written())
}

fn fill(lesson: &Lesson, values: Resolved) -> ConcreteLesson {
    let text = |template: &str| values.substitute(template);
    let texts = |templates: &[String]| templates.iter().map(|t| text(t)).collect::<Vec<_>>();
    let commands = |templates: &[String]| {
        templates.iter().map(|t| Command::fill(t, &values)).collect::<Vec<_>>()
    };
    let step = |step: &Step| ConcreteStep {
        id: step.id.clone(),
        title: text(&step.title),
        action: match &step.action {
            Action::Run(template) => ConcreteAction::Run(Command::fill(template, &values)),
            Action::Check(check) => ConcreteAction::Check(*check),
        },
        explain: text(&step.explain),
        notice: text(&step.notice),
        expect: step.expect.as_deref().map(text),
        example: step.example.as_deref().map(text),
        any_order: step.any_order,
        status: step.status,
        needs: step.needs.clone(),
    };
    let exercise = |exercise: &Exercise| ConcreteExercise {
        id: exercise.id.clone(),
        title: text(&exercise.title),
        task: text(&exercise.task),
        hints: texts(&exercise.hints),
        solution: commands(&exercise.solution),
        explain: text(&exercise.explain),
        needs: exercise.needs.clone(),
        expect: facts(&exercise.expect, &values),
        mistakes: exercise
            .mistakes
            .iter()
            .map(|rule| Mistake { when: facts(&rule.when, &values), say: text(&rule.say) })
            .collect(),
        host: exercise.host.clone(),
        probe: exercise
            .probe
            .as_ref()
            .map(|probe| Probe { port: port(&probe.port, &values), ..probe.clone() }),
        absent: exercise.absent,
    };
    let quiz = |quiz: &Quiz| ConcreteQuiz {
        id: quiz.id.clone(),
        title: text(&quiz.title),
        question: text(&quiz.question),
        choices: texts(&quiz.choices),
        explain: text(&quiz.explain),
        needs: quiz.needs.clone(),
        kind: match &quiz.kind {
            QuizKind::Choice { answer } => ConcreteQuizKind::Choice { answer: *answer },
            QuizKind::Predict { setup, run, outcomes } => ConcreteQuizKind::Predict {
                setup: commands(setup),
                run: Command::fill(run, &values),
                outcomes: outcomes.clone(),
            },
        },
    };
    ConcreteLesson {
        id: lesson.id.clone(),
        title: text(&lesson.title),
        summary: text(&lesson.summary),
        intro: text(&lesson.intro),
        outro: text(&lesson.outro),
        file: lesson.file.clone(),
        steps: lesson.steps.iter().map(step).collect(),
        exercises: lesson.exercises.iter().map(exercise).collect(),
        quizzes: lesson.quizzes.iter().map(quiz).collect(),
        extra: lesson.extra,
        values,
    }
}

/// `facts` with a port named by a value as its number and a path with its values in. A name
/// the run did not place stays a name (the loader refuses those; the check says so).
fn facts(facts: &Facts, values: &Resolved) -> Facts {
    let port = facts.port.as_ref().map(|named| port(named, values));
    let path = facts.path.as_deref().map(|path| values.substitute(path));
    Facts { port, path, ..facts.clone() }
}

/// `port` as its number where it names a value the run placed; otherwise as it is.
fn port(port: &PortRef, values: &Resolved) -> PortRef {
    match port {
        PortRef::Value(name) => values
            .ports
            .iter()
            .find(|p| &p.name == name)
            .map_or_else(|| port.clone(), |p| PortRef::Number(p.port)),
        PortRef::Number(_) => port.clone(),
    }
}

impl ConcreteLesson {
    /// The exercise called `id`.
    pub fn exercise(&self, id: &str) -> Option<&ConcreteExercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// The quiz called `id`.
    pub fn quiz(&self, id: &str) -> Option<&ConcreteQuiz> {
        self.quizzes.iter().find(|q| q.id == id)
    }
}

impl ConcreteStep {
    /// The command it runs, if it runs one.
    pub fn command(&self) -> Option<&Command> {
        match &self.action {
            ConcreteAction::Run(command) => Some(command),
            ConcreteAction::Check(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::command::{self, Invocation};
    use crate::lesson::values::references;
    use crate::net::listen::ListenTarget;

    /// A run that moves everything: ports by 100, socket files into a directory with a space,
    /// without the privilege to bind ports below 1024.
    fn moved() -> Placement {
        Placement {
            port_offset: 100,
            socket_dir: Some("/tmp/a b".into()),
            privileged: false,
            unprivileged_start: 1024,
        }
    }

    fn tutorial(privileged: bool) -> Placement {
        Placement { privileged, unprivileged_start: 1024, ..Placement::default() }
    }

    fn shipped(id: &str) -> Lesson {
        crate::lesson::shipped_english().unwrap().into_iter().find(|l| l.id == id).unwrap()
    }

    fn command_of<'a>(lesson: &'a ConcreteLesson, step: &str) -> &'a Command {
        lesson.steps.iter().find(|s| s.id == step).and_then(ConcreteStep::command).unwrap()
    }

    /// Every text of a resolved lesson a reader or a command could see, with where it is.
    fn every_text(lesson: &ConcreteLesson) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |place: String, text: &str| out.push((place, text.to_owned()));
        for (name, text) in [
            ("title", &lesson.title),
            ("summary", &lesson.summary),
            ("intro", &lesson.intro),
            ("outro", &lesson.outro),
        ] {
            add(name.to_owned(), text);
        }
        let mut lines: Vec<(String, &Command)> = Vec::new();
        for step in &lesson.steps {
            let texts = [&step.title, &step.explain, &step.notice].into_iter();
            for text in texts.chain(&step.expect).chain(&step.example) {
                add(step.id.clone(), text);
            }
            lines.extend(step.command().map(|c| (step.id.clone(), c)));
        }
        for exercise in &lesson.exercises {
            let texts = [&exercise.title, &exercise.task, &exercise.explain].into_iter();
            let texts = texts.chain(&exercise.hints).chain(&exercise.expect.path);
            for text in texts.chain(exercise.mistakes.iter().map(|m| &m.say)) {
                add(exercise.id.clone(), text);
            }
            lines.extend(exercise.solution.iter().map(|c| (exercise.id.clone(), c)));
        }
        for quiz in &lesson.quizzes {
            let texts = [&quiz.title, &quiz.question, &quiz.explain].into_iter();
            for text in texts.chain(&quiz.choices) {
                add(quiz.id.clone(), text);
            }
            if let ConcreteQuizKind::Predict { setup, run, .. } = &quiz.kind {
                lines.extend(setup.iter().chain([run]).map(|c| (quiz.id.clone(), c)));
            }
        }
        for (place, line) in lines {
            add(place.clone(), &line.shown);
            add(place, &line.plain);
        }
        out
    }

    #[test]
    fn no_placeholder_survives_in_any_shipped_lesson_in_any_language() {
        for lang in crate::language::available() {
            for lesson in crate::lesson::shipped_in(lang).unwrap() {
                let placed = resolve(&lesson, &moved()).unwrap();
                for resolved in [&placed, &as_written(&lesson)] {
                    for (place, text) in every_text(resolved) {
                        let left = references(&text);
                        assert!(
                            left.is_empty(),
                            "{lang} {}/{place}: {left:?} in {text}",
                            lesson.id
                        );
                        // Wildcards belong to expected outputs, which are matched, not shown.
                        let wildcard = resolved
                            .steps
                            .iter()
                            .any(|s| s.expect.as_deref() == Some(text.as_str()));
                        assert!(wildcard || !text.contains("{?"), "{}/{place}: {text}", lesson.id);
                    }
                    let ports = resolved.exercises.iter().filter_map(|e| e.expect.port.as_ref());
                    for port in ports {
                        assert!(matches!(port, PortRef::Number(_)), "{}: {port:?}", lesson.id);
                    }
                }
                // Every command still parses with the moved values.
                for step in &placed.steps {
                    if let Some(line) = step.command() {
                        assert!(line.parse().is_ok(), "{}/{}: {}", lesson.id, step.id, line.shown);
                    }
                }
            }
        }
    }

    #[test]
    fn a_socket_path_with_a_space_stays_one_word_and_is_shown_quoted() {
        let unix = resolve(&shipped("unix"), &moved()).unwrap();
        let stream = std::path::PathBuf::from("/tmp/a b/stream.sock");
        let listen = command_of(&unix, "listen-stream");
        assert_eq!(listen.shown, "socat unix-listen:'/tmp/a b/stream.sock',fork /dev/null &");
        assert_eq!(listen.plain, "socat unix-listen:/tmp/a b/stream.sock,fork /dev/null &");
        let Invocation::Listen(spec) = listen.parse().unwrap().invocation else {
            panic!("not a listener")
        };
        assert_eq!(spec.target, ListenTarget::Path(stream.clone()));
        // What the student copies splits back, as a shell would, into the same command.
        let stat = command_of(&unix, "stat");
        let run = stat.parse().unwrap();
        assert_eq!(command::parse(&stat.shown).unwrap().invocation, run.invocation);
        let Invocation::Stat(args) = run.invocation else { panic!("not stat") };
        assert_eq!(args.paths, [stream, "/tmp/a b/datagram.sock".into()]);
        // The exercise looks where the student was told to make the socket.
        let private = unix.exercise("private-datagram-socket").unwrap();
        assert_eq!(private.expect.path.as_deref(), Some("/tmp/a b/private.sock"));
    }

    #[test]
    fn the_udp_port_moves_where_the_run_may_not_bind_it_and_nowhere_else() {
        let lesson = shipped("udp");
        let unprivileged = resolve(&lesson, &tutorial(false)).unwrap();
        let udp = unprivileged.values.ports.iter().find(|p| p.name == "udp").unwrap();
        assert_eq!((udp.port, udp.moved_from_privileged), (1123, Some(123)));
        let listen = command_of(&unprivileged, "listen-ipv4");
        assert_eq!(listen.shown, "sudo socat UDP4-LISTEN:1123,fork /dev/null &");
        assert!(unprivileged.outro.contains("port 1123 "), "{}", unprivileged.outro);
        let privileged = resolve(&lesson, &tutorial(true)).unwrap();
        assert_eq!(
            command_of(&privileged, "listen-ipv4").shown,
            "sudo socat UDP4-LISTEN:123,fork /dev/null &"
        );
        assert!(privileged.outro.contains("port 123 "), "{}", privileged.outro);
        // As written (the book), the tutorial's port.
        assert_eq!(as_written(&lesson).values, lesson.values.as_written());
        // A run moved by 1000 (the tour after a taken port) resolves again: 1123 needs no
        // privilege, so nothing moves away from it.
        let again = resolve(&lesson, &Placement { port_offset: 1000, ..tutorial(false) }).unwrap();
        let udp = again.values.ports.iter().find(|p| p.name == "udp").unwrap();
        assert_eq!((udp.port, udp.moved_from_privileged), (1123, None));
    }

    #[test]
    fn an_offset_past_65535_cannot_be_resolved() {
        let lesson = shipped("tcp");
        assert!(resolve(&lesson, &Placement { port_offset: 60_000, ..tutorial(true) }).is_err());
    }
}
