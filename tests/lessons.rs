//! The lessons: each step's talking point ends in numbers that are claims of the step's presets,
//! which tests/presets.rs checks by training, on the same settings; and their links open,
//! step by step, with a step past the end named.

use activation_playground::config::{Activation, Config};
use activation_playground::share::{LessonPlace, find_lesson, find_preset, lessons, parse_query, to_query};
use activation_playground::sweep::SweepSpec;

#[test]
fn every_steps_numbers_are_its_presets_checked_claims() {
    let all = lessons();
    let names: Vec<&str> = all.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["vanishing", "article"]);
    assert_eq!(all[0].steps.len(), 6, "the vanishing-gradients lesson's six steps");
    for lesson in &all {
        for (i, step) in lesson.steps.iter().enumerate() {
            let at = format!("{} step {}", lesson.name, i + 1);
            let view = parse_query(&step.query);
            assert!(view.errors.is_empty(), "{at}: {:?}", view.errors);
            assert!(!step.claims.is_empty(), "{at}: a talking point ends in numbers");
            let sentences = step.point.split(". ").count();
            assert!(sentences <= 2 + step.claims.len(), "{at}: one or two sentences, then the numbers");
            for (preset, claim) in &step.claims {
                let p = find_preset(preset).unwrap_or_else(|| panic!("{at}: no preset {preset}"));
                assert!(p.claims.contains(claim), "{at}: {claim:?} is not a claim of {preset} (so no test trains it)");
                assert!(step.point.ends_with('.'), "{at}");
                if let Some(sweep) = &step.sweep {
                    // A table step: the claim is about the preset's cell, which is the preset's
                    // single run (its settings but for epochs, statistics and backend, none of
                    // which changes the claim's epochs), trained long enough to decide it.
                    let (spec, errors) = SweepSpec::from_query(sweep);
                    assert!(errors.is_empty(), "{at}: {errors:?}");
                    assert!(claim.epochs() <= spec.base.epochs, "{at}: the table stops before {claim:?}");
                    let cell = spec.members().into_iter().find(|c| c.acts == p.config.acts && c.seed == p.config.seed);
                    let cell = cell.unwrap_or_else(|| panic!("{at}: no cell of {preset} with seed {}", p.config.seed));
                    let run = Config {
                        epochs: cell.epochs,
                        stats_every: cell.stats_every,
                        backend: cell.backend,
                        ..p.config.clone()
                    };
                    assert_eq!(cell, run, "{at}: the cell is not {preset}'s run");
                    let cell_sentence = format!("{}: {}", p.config.describe(true), claim.sentence().to_lowercase());
                    assert!(step.point.to_lowercase().contains(&cell_sentence.to_lowercase()), "{at}: {}", step.point);
                } else {
                    // The claim is about the preset's run: the step runs exactly its settings, on
                    // its A side or its B side.
                    let sides = std::iter::once(&view.config).chain(view.compare.as_ref());
                    assert!(sides.into_iter().any(|c| *c == p.config), "{at}: the settings are not {preset}'s");
                    assert!(step.point.contains(&claim.sentence()), "{at}");
                }
            }
        }
    }
}

#[test]
fn lesson_links_open_any_step_and_follow_it() {
    let parsed = parse_query("lesson=vanishing&step=3&lecture=1");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.config, find_preset("deep-sigmoid").unwrap().config);
    assert_eq!(parsed.view, Some("gradients"));
    let place = parsed.lesson.clone().unwrap();
    assert_eq!(place.step, 3);
    assert!(place.caption.starts_with("3 / 6 · Eight sigmoid layers"), "{}", place.caption);
    // Written back, the link names the lesson and the step.
    let query = to_query(&parsed);
    assert!(query.contains("lesson=vanishing&step=3"), "{query}");
    let again = parse_query(&query);
    assert_eq!((again.config, again.lesson.map(|l| l.step)), (parsed.config, Some(3)));
    // The article's first step compares the collapse with a healthy combination.
    let parsed = parse_query("lesson=article");
    let b = parsed.compare.expect("a B side");
    assert_eq!(b.acts, vec![Activation::Relu, Activation::Tanh, Activation::Tanh]);
    assert_eq!(parsed.lesson.unwrap().step, 1);
    // The link's own settings change the step's, like a preset's.
    assert_eq!(parse_query("lesson=vanishing&step=2&seed=9").config.seed, 9);
    assert_eq!(LessonPlace::at("vanishing", 99).map(|p| p.step), Some(6));
}

#[test]
fn a_lecturers_own_lesson_is_a_list_of_presets_checked_like_any_setting() {
    let parsed = parse_query("lesson=collapse,bn-last,deep-sigmoid&step=2");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.config, find_preset("bn-last").unwrap().config);
    let place = parsed.lesson.unwrap();
    assert_eq!(place.lesson.steps.len(), 3);
    assert!(place.caption.starts_with("2 / 3 · BatchNorm on the last layer"), "{}", place.caption);
    // Unknown names, a step past the end, a step without a lesson: each named, the rest applies.
    let parsed = parse_query("lesson=collapse,bn-lats&seed=4");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].field, "lesson");
    assert!(parsed.errors[0].message.contains("\"bn-lats\""), "{}", parsed.errors[0].message);
    assert_eq!(parsed.config.seed, 4);
    let parsed = parse_query("lesson=vanishing&step=9");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].to_string(), "step: lesson \"vanishing\" has steps 1 to 6, got 9; step 6 opens");
    assert_eq!(parsed.lesson.unwrap().step, 6);
    assert_eq!(parse_query("step=2").errors[0].field, "step");
    assert_eq!(parse_query("lesson=vanishing&step=two").errors[0].field, "step");
    assert!(parse_query("lesson=nope").errors[0].message.starts_with("unknown lesson \"nope\""));
    assert!(find_lesson("").is_err());
}

#[test]
fn the_articles_lesson_shows_the_live_table() {
    let parsed = parse_query("lesson=article&step=2");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let place = parsed.lesson.expect("a lesson place");
    let sweep = place.sweep().expect("step 2 is the live table");
    let (spec, errors) = SweepSpec::from_query(sweep);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(spec.combinations.len(), 64, "the whole table");
    assert_eq!((spec.seeds.as_slice(), spec.base.epochs), (&[1][..], 1), "quick enough to watch");
    assert!(place.caption.starts_with("2 / 4 · The live table"), "{}", place.caption);
    // The page is told which sweep to show (and only on that step).
    let json = serde_json::to_value(&place).unwrap();
    assert_eq!(json["sweep"], sweep);
    let json = serde_json::to_value(LessonPlace::at("article", 1).unwrap()).unwrap();
    assert!(json["sweep"].is_null());
    // Every other step of every lesson trains the charts.
    let tables: usize = lessons().iter().flat_map(|l| &l.steps).filter(|s| s.sweep.is_some()).count();
    assert_eq!(tables, 1);
}
