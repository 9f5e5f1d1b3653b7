//! Lessons in another language: a pass after loading that puts each text's translation in
//! place, so the rest of socklab reads a [`Lesson`] and never looks a translation up itself.
//!
//! Every text a student reads has a stable key (the `msgctxt` of its catalogue entry):
//! `LESSON/title`, `LESSON/summary`, `LESSON/intro`, `LESSON/outro`; for a step, exercise or
//! quiz `LESSON/ID/title`, `…/explain`, a step's `…/notice`, an exercise's `…/task`,
//! `…/hint.N` and `…/mistake.N` (its likely-mistake text), a quiz's `…/question` and
//! `…/choice.N` (N from 1). Commands, expected outputs and ids are never translated. The
//! shipped lessons' catalogues are `po/lessons/<lang>.po`; an instructor's lesson directory
//! carries its own in `DIR/po/<lang>.po`.

use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::model::Lesson;
use crate::language::{self, Domain, State, Translations};

/// Every translatable text of `lesson`, mutably, with its key.
fn texts_mut(lesson: &mut Lesson) -> Vec<(String, &mut String)> {
    let id = lesson.id.clone();
    let mut out: Vec<(String, &mut String)> = vec![
        (format!("{id}/title"), &mut lesson.title),
        (format!("{id}/summary"), &mut lesson.summary),
        (format!("{id}/intro"), &mut lesson.intro),
        (format!("{id}/outro"), &mut lesson.outro),
    ];
    for step in &mut lesson.steps {
        let key = format!("{id}/{}", step.id);
        out.push((format!("{key}/title"), &mut step.title));
        out.push((format!("{key}/explain"), &mut step.explain));
        out.push((format!("{key}/notice"), &mut step.notice));
    }
    for exercise in &mut lesson.exercises {
        let key = format!("{id}/{}", exercise.id);
        out.push((format!("{key}/title"), &mut exercise.title));
        out.push((format!("{key}/task"), &mut exercise.task));
        for (n, hint) in exercise.hints.iter_mut().enumerate() {
            out.push((format!("{key}/hint.{}", n + 1), hint));
        }
        out.push((format!("{key}/explain"), &mut exercise.explain));
        for (n, mistake) in exercise.mistakes.iter_mut().enumerate() {
            out.push((format!("{key}/mistake.{}", n + 1), &mut mistake.say));
        }
    }
    for quiz in &mut lesson.quizzes {
        let key = format!("{id}/{}", quiz.id);
        out.push((format!("{key}/title"), &mut quiz.title));
        out.push((format!("{key}/question"), &mut quiz.question));
        for (n, choice) in quiz.choices.iter_mut().enumerate() {
            out.push((format!("{key}/choice.{}", n + 1), choice));
        }
        out.push((format!("{key}/explain"), &mut quiz.explain));
    }
    // An empty text (a step without a notice) has nothing to translate.
    out.retain(|(_, text)| !text.trim().is_empty());
    out
}

/// Every translatable text of `lesson`: (key, English), in the lesson's order.
pub fn texts(lesson: &Lesson) -> Vec<(String, String)> {
    let mut copy = lesson.clone();
    texts_mut(&mut copy).into_iter().map(|(key, text)| (key, text.clone())).collect()
}

/// Puts every current translation of `translations` in place in `lesson` (the others stay
/// English).
pub fn apply(lesson: &mut Lesson, translations: &Translations) {
    if translations.is_empty() {
        return;
    }
    for (key, text) in texts_mut(lesson) {
        if let Some(translated) = translations.get(&key, text) {
            *text = translated.to_owned();
        }
    }
}

/// Where a lesson directory keeps its catalogue for `lang`.
pub fn catalogue_path(dir: &Path, lang: &str) -> PathBuf {
    dir.join("po").join(format!("{lang}.po"))
}

/// The catalogues of a lesson directory: (language, path), for each `DIR/po/<lang>.po`.
pub fn catalogues_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir.join("po")) else { return Vec::new() };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "po"))
        .filter_map(|path| Some((path.file_stem()?.to_str()?.to_owned(), path.clone())))
        .collect();
    found.sort();
    found
}

/// Reads a lesson directory's catalogue for `lang` (empty when it has none).
pub fn read_catalogue(dir: &Path, lang: &str) -> Result<Translations, Diagnostic> {
    let path = catalogue_path(dir, lang);
    let problem = |message: String| Diagnostic {
        file: path.display().to_string(),
        position: None,
        message: crate::t!("lesson.catalogue_invalid", error = message),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Translations::parse(&text).map_err(problem),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Translations::default()),
        Err(err) => Err(problem(err.to_string())),
    }
}

/// The shipped lessons' catalogue for `lang`.
pub fn shipped(lang: &str) -> &'static Translations {
    language::shipped(lang, Domain::Lessons)
}

/// A text whose translation is not current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslated {
    pub lesson: String,
    /// The key without its lesson: `listen-ipv4/title`.
    pub item: String,
    pub state: State,
}

/// Every text of `lessons` whose translation in `translations` is missing or stale.
pub fn report(lessons: &[Lesson], translations: &Translations) -> Vec<Untranslated> {
    let mut out = Vec::new();
    for lesson in lessons {
        for (key, english) in texts(lesson) {
            let state = translations.state(&key, &english);
            if state != State::Current {
                let item = key.split_once('/').map_or(key.as_str(), |(_, rest)| rest).to_owned();
                out.push(Untranslated { lesson: lesson.id.clone(), item, state });
            }
        }
    }
    out
}

/// The gettext template (`.pot`) of `lessons`' texts: one entry per text, its key as
/// `msgctxt`, the file it comes from as its reference. `po/lessons/messages.pot` is this for
/// the shipped lessons; a translator updates a catalogue from it with `msgmerge`.
pub fn template(lessons: &[Lesson]) -> String {
    let entries = lessons.iter().flat_map(|lesson| {
        let file = lesson.file.clone();
        texts(lesson).into_iter().map(move |(key, english)| (file.clone(), key, english))
    });
    language::pot(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips_through_polib() {
        let english = "Two lines, \"quoted\"\\ with a tab\tand\nan end\n";
        let pot = language::pot([("f".into(), "k".into(), english.into())]);
        let po = pot.replace("msgstr \"\"\n", "msgstr \"译文\"\n");
        let translations = Translations::parse(&po).unwrap();
        assert_eq!(translations.get("k", english), Some("译文"), "{po}");
    }
}
