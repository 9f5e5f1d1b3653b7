//! A lesson's `[[quizzes]]`: a question with at least two choices, graded either by a fixed
//! `answer` (multiple choice, written 1-based) or by a run (predict-then-run: `setup`
//! listeners, then a `run` command whose exit status picks the right one of `outcomes`).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::reader::Reader;
use crate::lesson::command::Invocation;
use crate::lesson::exercise::{Outcome, Quiz, QuizKind};
use crate::lesson::values::Values;
use crate::t;

const QUIZ_KEYS: &[&str] = &[
    "id", "title", "question", "choices", "answer", "setup", "run", "outcomes", "explain", "needs",
];

impl Reader<'_> {
    /// The lesson's quizzes (none when it has no `[[quizzes]]`).
    pub(super) fn quizzes(&mut self, root: &DeTable<'_>, values: &Values) -> Option<Vec<Quiz>> {
        let items = self.tables(root, "quizzes", "[[quizzes]]")?;
        let mut built = Vec::new();
        let mut complete = true;
        for (table, span) in items {
            match self.quiz(table, &span, values) {
                Some(quiz) => built.push(quiz),
                None => complete = false,
            }
        }
        complete.then_some(built)
    }

    /// One quiz: graded by `answer` or by `run`, never both.
    fn quiz(&mut self, table: &DeTable<'_>, span: &Range<usize>, values: &Values) -> Option<Quiz> {
        self.unknown_keys(table.iter(), QUIZ_KEYS, "quiz");
        let id = self.required_id(table, span, "quiz");
        let title = self.required_text(table, "title", span, "quiz");
        let question = self.required_text_with_values(table, "question", span, "quiz", values);
        let explain = self.optional_text_with_values(table, "explain", values);
        let choices = self.texts(table, "choices", span, "quiz", values);
        if let (Some(choices), Some(value)) = (&choices, table.get("choices"))
            && choices.len() < 2
        {
            self.report.at(value.span(), t!("lesson.too_few_choices"));
        }
        let needs = self.needs(table);
        let count = choices.as_ref().map(Vec::len);
        let kind = match (table.get("answer"), table.get("run")) {
            (Some(_), Some(run)) => {
                self.report.at(run.span(), t!("lesson.answer_and_run"));
                None
            }
            (None, None) => {
                self.report.at(span.start..span.start, t!("lesson.answer_or_run"));
                None
            }
            (Some(answer), None) => {
                for key in ["setup", "outcomes"] {
                    if let Some(value) = table.get(key) {
                        self.report.at(value.span(), t!("lesson.only_with_run", key = key));
                    }
                }
                self.answer(answer, count).map(|answer| QuizKind::Choice { answer })
            }
            (None, Some(run)) => self.prediction(table, span, run, count, values),
        };
        Some(Quiz {
            id: id?,
            title: title?,
            question: question?,
            choices: choices.filter(|c| c.len() >= 2)?,
            explain,
            needs: needs?,
            kind: kind?,
        })
    }

    /// A multiple-choice answer, written 1-based among `count` choices; kept 0-based.
    fn answer(&mut self, value: &Spanned<DeValue<'_>>, count: Option<usize>) -> Option<usize> {
        let number = value.get_ref().as_integer().and_then(|i| i.as_str().parse::<usize>().ok());
        let count = count?;
        match number {
            Some(n) if (1..=count).contains(&n) => Some(n - 1),
            _ => {
                self.report.at(value.span(), t!("lesson.bad_answer", count = count));
                None
            }
        }
    }

    /// A predict-then-run quiz: `setup` listeners (optional), the `run` line (not a
    /// listener) and one outcome per choice.
    fn prediction(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        run: &Spanned<DeValue<'_>>,
        count: Option<usize>,
        values: &Values,
    ) -> Option<QuizKind> {
        let setup = match table.get("setup") {
            Some(_) => self.command_lines(table, "setup", span, "quiz", values),
            None => Some(Vec::new()),
        };
        let run_text = self.text_of(run, "run").map(str::to_owned);
        let run_line = run_text.and_then(|text| {
            let (text, invocation) = self.command_line(run.span(), &text, values)?;
            if matches!(invocation, Invocation::Listen(_)) {
                self.report.at(run.span(), t!("lesson.run_is_listener"));
                return None;
            }
            Some(text)
        });
        let outcomes = match table.get("outcomes") {
            Some(value) => self.outcomes(value, count),
            None => {
                self.report.at(
                    span.start..span.start,
                    t!("lesson.missing_key", key = "outcomes", place = "quiz"),
                );
                None
            }
        };
        Some(QuizKind::Predict {
            setup: setup?.into_iter().map(|(text, _)| text).collect(),
            run: run_line?,
            outcomes: outcomes?,
        })
    }

    /// The outcome of each choice, as many as there are choices.
    fn outcomes(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        count: Option<usize>,
    ) -> Option<Vec<Outcome>> {
        let expected = "an array of outcomes (\"succeeds\" or \"fails\"), one per choice";
        let Some(array) = value.get_ref().as_array() else {
            self.report
                .at(value.span(), t!("lesson.wrong_type", key = "outcomes", expected = expected));
            return None;
        };
        let mut outcomes = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            match item.get_ref().as_str().map(|name| (name, Outcome::from_name(name))) {
                Some((_, Some(outcome))) => outcomes.push(outcome),
                Some((name, None)) => {
                    self.report.at(
                        item.span(),
                        t!(
                            "lesson.unknown_name",
                            what = "outcome",
                            name = name,
                            known = Outcome::NAMES.join(", ")
                        ),
                    );
                    complete = false;
                }
                None => {
                    self.report.at(
                        item.span(),
                        t!("lesson.wrong_type", key = "outcomes", expected = expected),
                    );
                    complete = false;
                }
            }
        }
        if complete && count.is_some_and(|count| count != outcomes.len()) {
            self.report.at(
                value.span(),
                t!(
                    "lesson.outcomes_count",
                    outcomes = outcomes.len(),
                    choices = count.unwrap_or(0)
                ),
            );
            return None;
        }
        complete.then_some(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use crate::lesson::exercise::{Outcome, QuizKind};
    use crate::lesson::format::parse;
    use crate::lesson::format::tests::{HEAD, problems};

    const GOOD: &str = r#"
[[quizzes]]
id = "predict"
title = "Predict"
question = "Will it connect?"
choices = ["yes", "no"]
setup = ["socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null &"]
run = "nc -4 -vz 127.0.0.1 {ex}"
outcomes = ["succeeds", "fails"]

[[quizzes]]
id = "choose"
title = "Choose"
question = "Which?"
choices = ["a", "b", "c"]
answer = 3
"#;

    #[test]
    fn reads_quizzes() {
        let lesson = parse("l.toml", &format!("{HEAD}{GOOD}")).unwrap();
        assert_eq!(
            lesson.quizzes[0].kind,
            QuizKind::Predict {
                setup: vec!["socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null &".into()],
                run: "nc -4 -vz 127.0.0.1 {ex}".into(),
                outcomes: vec![Outcome::Succeeds, Outcome::Fails],
            }
        );
        assert_eq!(lesson.quizzes[1].kind, QuizKind::Choice { answer: 2 });
    }

    #[test]
    fn reports_quiz_problems() {
        let cases = [
            ("choices = [\"a\", \"b\"]\nanswer = 3", "from 1 to 2"),
            ("choices = [\"a\"]\nanswer = 1", "at least two choices"),
            (
                "choices = [\"a\", \"b\"]\nrun = \"ss -tln\"\noutcomes = [\"fails\"]",
                "1 outcomes for 2",
            ),
            (
                "choices = [\"a\", \"b\"]\nrun = \"ss -tln\"\noutcomes = [\"fails\", \"hangs\"]",
                "`hangs` is not a outcome",
            ),
            (
                "choices = [\"a\", \"b\"]\nrun = \"socat TCP4-LISTEN:{ex} /dev/null &\"\noutcomes = [\"fails\", \"succeeds\"]",
                "start listeners in `setup`",
            ),
            ("choices = [\"a\", \"b\"]\nanswer = 1\nrun = \"ss\"", "not both"),
            (
                "choices = [\"a\", \"b\"]\nanswer = 1\noutcomes = [\"fails\", \"fails\"]",
                "belongs to a predict-then-run quiz",
            ),
        ];
        for (body, wanted) in cases {
            let quiz =
                format!("\n[[quizzes]]\nid = \"q\"\ntitle = \"Q\"\nquestion = \"?\"\n{body}\n");
            let found = problems(&quiz);
            assert!(found.iter().any(|p| p.contains(wanted)), "{body}: {found:#?}");
        }
    }
}
